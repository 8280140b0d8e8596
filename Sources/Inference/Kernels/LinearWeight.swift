/// The weight matrix of a linear layer: the tensor as the model file stores it and, where the
/// kernel level has interleaved kernels (AVX2 and up) and the format allows, an interleaved copy
/// for them (`InterleavedMatrix`). `MatMul` takes whichever it can use.
struct LinearWeight: Sendable {
    let tensor: Tensor
    let interleaved: InterleavedMatrix?

    /// `interleaving: false` keeps only the row-major layout (to test or compare its kernels);
    /// by default the copy is made where the active kernel level can use it.
    init(_ tensor: Tensor, interleaving: Bool = InterleavedMatrix.isAvailable) {
        self.tensor = tensor
        interleaved = interleaving ? InterleavedMatrix(tensor) : nil
    }

    var type: TensorType { tensor.type }
    var rows: Int { tensor.rows }
    var columns: Int { tensor.columns }
}
