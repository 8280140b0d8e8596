/// A float32 weight matrix `[rows][columns]` (a PyTorch linear weight, `[out, in]`) with its
/// bias, repacked once at load time into the layout `FloatGEMM` streams: panels of 16 rows,
/// each stored column by column (`[panel][column][16]`), zero-padded past the last row.
///
/// In that layout the micro-kernel reads one contiguous 64-byte vector per step of the
/// reduction, so a panel's slice stays in L1 while it is applied to every token of a block.
final class PackedFloatMatrix: @unchecked Sendable {
    /// Output features.
    let rows: Int
    /// Input features (the reduction length).
    let columns: Int
    let panelCount: Int
    /// `[panelCount][columns][16]`.
    private let storage: UnsafeMutablePointer<Float>
    /// `[panelCount · 16]`, zero past `rows`.
    let bias: UnsafeMutablePointer<Float>

    /// Packs the matrices `parts` stacked on top of one another (for example query, key and
    /// value, so one pass computes all three), with their biases.
    init(stacking parts: [(weight: Tensor, bias: Tensor?)]) throws {
        (rows, columns) = try Self.checkedShape(of: parts)
        panelCount = (rows + FloatTile.columns - 1) / FloatTile.columns
        let width = FloatTile.columns
        storage = AlignedFloats.allocate(panelCount * columns * width)
        storage.initialize(repeating: 0, count: panelCount * columns * width)
        bias = AlignedFloats.allocate(panelCount * width)
        bias.initialize(repeating: 0, count: panelCount * width)

        var row = 0
        for part in parts {
            let source = part.weight.data.assumingMemoryBound(to: Float.self)
            let partBias = part.bias?.data.assumingMemoryBound(to: Float.self)
            for partRow in 0..<part.weight.rows {
                let panel = storage + (row / width) * columns * width + row % width
                let weightRow = source + partRow * columns
                for column in 0..<columns { panel[column * width] = weightRow[column] }
                bias[row] = partBias?[partRow] ?? 0
                row += 1
            }
        }
    }

    /// The rows and columns of `parts` stacked: float32 weights of one width, biases that fit.
    static func checkedShape(of parts: [(weight: Tensor, bias: Tensor?)]) throws -> (rows: Int, columns: Int) {
        precondition(!parts.isEmpty, "a packed matrix needs at least one part")
        let columns = parts[0].weight.columns
        for part in parts {
            guard part.weight.type == .f32 else {
                throw ModelFileError.unsupportedTensorType(tensor: part.weight.name, type: part.weight.type.description)
            }
            guard part.weight.shape.count == 2, part.weight.columns == columns else {
                throw ModelFileError.unexpectedShape(tensor: part.weight.name, expected: [columns, part.weight.rows], found: part.weight.shape)
            }
            if let bias = part.bias, bias.type != .f32 || bias.shape != [part.weight.rows] {
                throw ModelFileError.unexpectedShape(tensor: bias.name, expected: [part.weight.rows], found: bias.shape)
            }
        }
        return (parts.reduce(0) { $0 + $1.weight.rows }, columns)
    }

    deinit {
        storage.deallocate()
        bias.deallocate()
    }

    /// The first float of `panel`, `[columns][16]`.
    @inline(__always)
    func panel(_ panel: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage + panel * columns * FloatTile.columns)
    }
}
