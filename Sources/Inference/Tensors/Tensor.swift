/// A tensor stored in a model file: a typed, shaped view of mapped bytes (never a copy).
///
/// `shape` is in ggml order: `shape[0]` is the row length (innermost), so a matrix of
/// `rows` rows of `columns` elements has `shape == [columns, rows]`.
public struct Tensor: @unchecked Sendable {
    public let name: String
    public let type: TensorType
    public let shape: [Int]
    /// The first byte of the tensor's data, inside the mapped file.
    public let data: UnsafeRawPointer
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements per row (ggml `ne[0]`).
    public var columns: Int { shape.first ?? 1 }
    /// Number of rows (product of the outer dimensions).
    public var rows: Int { shape.dropFirst().reduce(1, *) }
    /// Bytes per row in the stored format.
    public var rowBytes: Int { type.byteCount(elements: columns) }

    /// A pointer to row `row`.
    @inline(__always)
    public func row(_ row: Int) -> UnsafeRawPointer { data + row * rowBytes }
}
