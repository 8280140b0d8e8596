/// A parsed GGUF file (versions 2 and 3): metadata, tensor table and memory-mapped tensor data.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let layers = try file.metadata.requireInteger("llama.block_count")
/// let embeddings = try file.tensor("token_embd.weight")
/// ```
public final class GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: GGUFMetadata
    /// Tensors in file order.
    public let tensors: [Tensor]
    public let alignment: Int
    /// Absolute file offset where tensor data begins.
    public let dataOffset: Int
    public let fileSize: Int
    private let tensorIndex: [String: Int]
    private let mapping: MappedFile

    public convenience init(path: String) throws {
        try self.init(mapping: MappedFile(path: path))
    }

    init(mapping: MappedFile) throws {
        self.mapping = mapping
        path = mapping.path
        fileSize = mapping.bytes.count
        var reader = GGUFReader(bytes: mapping.bytes, path: mapping.path)

        let magic = try reader.read(UInt32.self)
        guard magic == 0x4655_4747 else {  // "GGUF" little-endian
            let text = withUnsafeBytes(of: magic) { String(decoding: $0, as: UTF8.self) }
            throw ModelFileError.badMagic(path: path, found: text.debugDescription)
        }
        version = try reader.read(UInt32.self)
        guard version == 2 || version == 3 else {
            throw ModelFileError.unsupportedVersion(path: path, version: version)
        }
        let tensorCount = try reader.readCount()
        let keyCount = try reader.readCount()

        var metadata = GGUFMetadata()
        for _ in 0..<keyCount {
            let key = try reader.readString()
            let value = try reader.readValue(key: key)
            metadata.append(key, value)
        }
        self.metadata = metadata

        alignment = metadata.integer("general.alignment") ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw ModelFileError.corrupted(path: path, reason: "alignment \(alignment) is not a power of two")
        }

        var infos: [(name: String, shape: [Int], type: TensorType, offset: Int)] = []
        infos.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try reader.readString()
            let dimensionCount = try reader.read(UInt32.self)
            guard dimensionCount >= 1, dimensionCount <= 4 else {
                throw ModelFileError.corrupted(path: path, reason: "tensor '\(name)' has \(dimensionCount) dimensions")
            }
            var shape: [Int] = []
            for _ in 0..<dimensionCount {
                let extent = try reader.read(UInt64.self)
                guard extent > 0, extent < 1 << 40 else {
                    throw ModelFileError.corrupted(path: path, reason: "tensor '\(name)' has dimension \(extent)")
                }
                shape.append(Int(extent))
            }
            let code = try reader.read(UInt32.self)
            guard let type = TensorType(rawValue: code) else {
                throw ModelFileError.unknownTensorType(path: path, tensor: name, type: code)
            }
            let offset = try reader.read(UInt64.self)
            guard offset < 1 << 48 else {
                throw ModelFileError.tensorBeyondFile(path: path, tensor: name, end: Int.max, fileSize: fileSize)
            }
            guard shape[0] % type.blockElements == 0 else {
                throw ModelFileError.corrupted(
                    path: path, reason: "tensor '\(name)' rows of \(shape[0]) are not whole \(type) blocks")
            }
            infos.append((name, shape, type, Int(offset)))
        }

        dataOffset = (reader.offset + alignment - 1) / alignment * alignment
        var tensors: [Tensor] = []
        var index: [String: Int] = [:]
        for info in infos {
            let elements = info.shape.reduce(1, *)
            let byteCount = info.type.byteCount(elements: elements)
            let start = dataOffset + info.offset
            guard start + byteCount <= fileSize else {
                throw ModelFileError.tensorBeyondFile(
                    path: path, tensor: info.name, end: start + byteCount, fileSize: fileSize)
            }
            guard index.updateValue(tensors.count, forKey: info.name) == nil else {
                throw ModelFileError.corrupted(path: path, reason: "tensor '\(info.name)' appears twice")
            }
            tensors.append(Tensor(
                name: info.name, type: info.type, shape: info.shape,
                data: mapping.bytes.baseAddress! + start, byteCount: byteCount))
        }
        self.tensors = tensors
        tensorIndex = index
    }

    /// The tensor named `name`, or an error naming it.
    public func tensor(_ name: String) throws -> Tensor {
        guard let position = tensorIndex[name] else { throw ModelFileError.missingTensor(name: name) }
        return tensors[position]
    }

    /// The tensor named `name` if the file has it.
    public func optionalTensor(_ name: String) -> Tensor? {
        tensorIndex[name].map { tensors[$0] }
    }
}
