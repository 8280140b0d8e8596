/// The weight matrix of a linear layer: the tensor as the model file stores it and, where the
/// CPU has AVX-512 VNNI and the format allows, an interleaved copy for the faster kernels
/// (`InterleavedMatrix`). `MatMul` takes whichever it can use.
struct LinearWeight: Sendable {
    let tensor: Tensor
    let interleaved: InterleavedMatrix?

    /// `interleaving: false` keeps only the row-major layout (to test or compare its kernels).
    init(_ tensor: Tensor, interleaving: Bool = true) {
        self.tensor = tensor
        interleaved = interleaving ? InterleavedMatrix(tensor) : nil
    }

    var type: TensorType { tensor.type }
    var rows: Int { tensor.rows }
    var columns: Int { tensor.columns }
}
