import Foundation

/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
/// naming every tensor's dtype, shape and byte range, then the raw little-endian data.
///
/// The whole header is validated before any tensor is handed out, so a damaged file is refused
/// with a `SafeTensorsError` that names the problem instead of being read out of bounds.
///
/// ```swift
/// let file = try SafeTensorsFile(path: "all-MiniLM-L6-v2/model.safetensors")
/// let words = try file.tensor("embeddings.word_embeddings.weight")   // F32, shape [384, 30522]
/// ```
public final class SafeTensorsFile: Sendable {
    public let path: String
    /// The string map stored under `__metadata__` (for example `["format": "pt"]`).
    public let metadata: [String: String]
    /// Every tensor, in the order of its bytes in the file.
    public let entries: [SafeTensorsEntry]
    /// Absolute file offset where the data section begins (8 + header length).
    public let dataOffset: Int
    public let fileSize: Int
    private let entryIndex: [String: Int]
    private let mapping: MappedFile

    /// Headers above this size are refused, as the format's reference implementation does.
    static let maximumHeaderLength: UInt64 = 100 << 20

    public convenience init(path: String) throws {
        try self.init(mapping: MappedFile(path: path))
    }

    init(mapping: MappedFile) throws {
        self.mapping = mapping
        path = mapping.path
        fileSize = mapping.bytes.count
        guard fileSize >= 8 else { throw SafeTensorsError.tooSmall(path: path, size: fileSize) }

        let headerLength = UInt64(littleEndian: mapping.bytes.loadUnaligned(as: UInt64.self))
        guard headerLength >= 2, headerLength <= Self.maximumHeaderLength, headerLength <= UInt64(fileSize - 8) else {
            throw SafeTensorsError.headerLengthOutOfRange(path: path, length: headerLength, fileSize: fileSize)
        }
        dataOffset = 8 + Int(headerLength)
        let header = Data(mapping.bytes[8..<dataOffset])
        let parsed = try Self.parseHeader(header, path: path, dataSize: fileSize - dataOffset)
        metadata = parsed.metadata
        entries = parsed.entries
        entryIndex = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    /// The entry named `name`, or an error naming it.
    public func entry(_ name: String) throws -> SafeTensorsEntry {
        guard let position = entryIndex[name] else { throw ModelFileError.missingTensor(name: name) }
        return entries[position]
    }

    /// Whether the file holds a tensor named `name`.
    public func contains(_ name: String) -> Bool { entryIndex[name] != nil }

    /// The F32 tensor named `name` as a view of the mapped bytes. The returned `Tensor` uses
    /// ggml order (`shape[0]` contiguous), so a PyTorch `[out, in]` weight has `rows == out`.
    public func tensor(_ name: String) throws -> Tensor {
        let entry = try entry(name)
        guard entry.dtype == .f32 else { throw SafeTensorsError.unsupportedDType(tensor: name, dtype: entry.dtype) }
        return Tensor(
            name: name, type: .f32, shape: entry.shape.reversed(),
            data: mapping.bytes.baseAddress! + dataOffset + entry.dataOffsets.lowerBound,
            byteCount: entry.dataOffsets.count)
    }

    /// The F32 tensor named `name`, which must have the row-major `shape` (as PyTorch writes it).
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let found = try entry(name).shape
        guard found == shape else { throw ModelFileError.unexpectedShape(tensor: name, expected: shape, found: found) }
        return try tensor(name)
    }
}
