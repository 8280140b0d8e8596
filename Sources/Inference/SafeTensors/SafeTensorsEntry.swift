/// One tensor as the header of a safetensors file describes it.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    /// The shape as written in the file, row-major: the last dimension is contiguous
    /// (a PyTorch linear weight is `[out, in]`).
    public let shape: [Int]
    /// Where the tensor's bytes lie, relative to the start of the data section.
    public let dataOffsets: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}
