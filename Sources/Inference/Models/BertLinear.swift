/// One linear layer of the BERT encoder, packed for the arithmetic it runs in.
enum BertLinear: @unchecked Sendable {
    case float32(PackedFloatMatrix)
    case int16(PackedInt16Matrix)

    /// `parts` stacked and packed for `precision` (int16: in `kernels`' layout); float32 where
    /// the int16 kernels cannot hold the rows (an odd or very long input width).
    init(precision: EmbeddingPrecision, kernels: KernelSet, _ parts: [(weight: Tensor, bias: Tensor?)]) throws {
        if precision == .int16, PackedInt16Matrix.supports(columns: parts[0].weight.columns) {
            self = .int16(try PackedInt16Matrix(stacking: parts, kernels: kernels))
        } else {
            self = .float32(try PackedFloatMatrix(stacking: parts))
        }
    }

    /// Output features.
    var rows: Int {
        switch self {
        case .float32(let matrix): return matrix.rows
        case .int16(let matrix): return matrix.rows
        }
    }
}
