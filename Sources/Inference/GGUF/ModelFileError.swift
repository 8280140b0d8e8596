/// Why a model file was refused. Every case names the problem so a user can act on it.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case badMagic(path: String, found: String)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String, needed: Int, available: Int)
    case corrupted(path: String, reason: String)
    case unknownValueType(path: String, key: String, type: UInt32)
    case unknownTensorType(path: String, tensor: String, type: UInt32)
    case tensorBeyondFile(path: String, tensor: String, end: Int, fileSize: Int)
    case missingTensor(name: String)
    case missingMetadata(key: String)
    case unexpectedShape(tensor: String, expected: [Int], found: [Int])
    case unsupportedArchitecture(String)
    case unsupportedTensorType(tensor: String, type: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open model file \(path): \(reason)"
        case .badMagic(let path, let found):
            return "\(path) is not a GGUF file (bad magic \(found))"
        case .unsupportedVersion(let path, let version):
            return "\(path): GGUF version \(version) is not supported (2 and 3 are)"
        case .truncated(let path, let needed, let available):
            return "\(path) is truncated: needs \(needed) bytes, has \(available)"
        case .corrupted(let path, let reason):
            return "\(path) is corrupted: \(reason)"
        case .unknownValueType(let path, let key, let type):
            return "\(path): metadata key '\(key)' has unknown value type \(type)"
        case .unknownTensorType(let path, let tensor, let type):
            return "\(path): tensor '\(tensor)' has unknown tensor type \(type)"
        case .tensorBeyondFile(let path, let tensor, let end, let fileSize):
            return "\(path): tensor '\(tensor)' data ends at offset \(end), beyond the file (\(fileSize) bytes)"
        case .missingTensor(let name):
            return "the model has no tensor '\(name)'"
        case .missingMetadata(let key):
            return "the model's metadata has no '\(key)'"
        case .unexpectedShape(let tensor, let expected, let found):
            return "tensor '\(tensor)' has shape \(found), expected \(expected)"
        case .unsupportedArchitecture(let name):
            return "model architecture '\(name)' is not supported (llama and gemma3 are)"
        case .unsupportedTensorType(let tensor, let type):
            return "tensor '\(tensor)' has type \(type), which this engine cannot compute with"
        }
    }
}
