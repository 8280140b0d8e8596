import CKernels

/// The C kernels of one ISA level (`KernelISA`), as the model code calls them. A model keeps
/// the set it was loaded with, so a test can run one level beside another in the same process.
struct KernelSet: @unchecked Sendable {
    let isa: KernelISA
    private let table: UnsafePointer<atrium_kernel_table>

    /// The kernels of `isa`; nil when this CPU cannot run them.
    init?(_ isa: KernelISA) {
        guard let table = atrium_kernel_table_for(isa.rawValue) else { return nil }
        self.isa = isa
        self.table = table
    }

    /// The active level's kernels (`KernelISA.active`).
    static var active: KernelSet { KernelSet(KernelISA.active)! }

    var hasInterleavedKernels: Bool { table.pointee.interleaved_gemm != nil }

    var gemmQ4_1: MatMul.TileKernel { table.pointee.gemm_q4_1_q8_1! }
    var gemmQ8_0: MatMul.TileKernel { table.pointee.gemm_q8_0_q8_0! }

    /// How this level lays out the int16 GEMM's operands (`atrium_i16_layout`).
    var int16Layout: atrium_i16_layout { table.pointee.i16_layout.pointee }

    /// Whether a matrix packed for `other` can be multiplied by this level (the same layout).
    func sharesInt16Layout(with other: KernelSet) -> Bool { table.pointee.i16_layout == other.table.pointee.i16_layout }

    /// Rounds `tokens` rows of `columns` inputs (`stride` apart) into this level's layout, one scale per token.
    func quantizeInt16(
        _ input: UnsafePointer<Float>, stride: Int, tokens: Int, columns: Int, into output: UnsafeMutablePointer<Int16>,
        scales: UnsafeMutablePointer<Float>
    ) {
        int16Layout.quantize!(input, stride, Int32(tokens), Int32(columns), output, scales)
    }

    /// The int16 GEMM (the table's `gemm_i16`; every level has it) for `panels` of `weights`, whose
    /// layout must be this level's (`weights.kernels`), as the inputs' (`quantizeInt16`).
    func gemmInt16(
        _ weights: PackedInt16Matrix, panels: Range<Int>, _ activations: UnsafePointer<Int16>,
        scales: UnsafePointer<Float>, tokens: Int, into output: UnsafeMutablePointer<Float>, stride: Int
    ) {
        precondition(sharesInt16Layout(with: weights.kernels), "int16 weights packed for \(weights.kernels.isa) run on \(isa)")
        table.pointee.gemm_i16!(
            weights.storage, weights.scales, weights.bias, Int32(weights.rows), Int32(weights.columns),
            Int32(panels.lowerBound), Int32(panels.count), activations, scales, Int32(tokens), output, stride)
    }

    /// The sentence encoder's attention for one sequence and head (`atrium_bert_attend`).
    func bertAttend(
        _ queries: UnsafePointer<Float>, rowStride: Int, hidden: Int, length: Int, headSize: Int, scale: Float,
        scratch: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        table.pointee.bert_attend!(queries, rowStride, hidden, Int32(length), Int32(headSize), scale, scratch, output)
    }

    func attendHead(
        _ query: UnsafePointer<Float>, _ keys: UnsafePointer<UInt16>, _ values: UnsafePointer<UInt16>, stride: Int,
        count: Int32, headDim: Int32, scale: Float, scores: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        table.pointee.attend_head!(query, keys, values, stride, count, headDim, scale, scores, output)
    }

    func attendGroup64(
        _ queries: UnsafePointer<Float>, heads: Int32, _ keys: UnsafePointer<UInt16>, _ values: UnsafePointer<UInt16>,
        stride: Int, count: Int32, scale: Float, scores: UnsafeMutablePointer<Float>, scoresStride: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        table.pointee.attend_group64!(queries, heads, keys, values, stride, count, scale, scores, scoresStride, output)
    }

    /// Interleaved kernels; call only where `hasInterleavedKernels`. `first` and `count` pick the
    /// blocks of each row to quantize (default: all `blocks`); the others' bytes stay as they are.
    func interleavedQuantize(
        _ input: UnsafePointer<Float>, stride: Int, tokens: Int32, blocks: Int32, first: Int32 = 0, count: Int32? = nil,
        into output: UnsafeMutablePointer<UInt8>
    ) {
        table.pointee.interleaved_quantize!(input, stride, tokens, blocks, first, count ?? blocks, output)
    }

    func interleavedGEMM(
        format: Int32, _ weights: UnsafePointer<UInt8>, groups: Int32, blocks: Int32, _ activations: UnsafePointer<UInt8>,
        tokens: Int32, into output: UnsafeMutablePointer<Float>, stride: Int
    ) {
        table.pointee.interleaved_gemm!(format, weights, groups, blocks, activations, tokens, output, stride)
    }
}
