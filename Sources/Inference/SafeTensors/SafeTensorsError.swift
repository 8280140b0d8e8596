/// Why a safetensors file was refused. Every case names the file and the problem.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case tooSmall(path: String, size: Int)
    /// The header length is zero, beyond the end of the file, or unreasonably large.
    case headerLengthOutOfRange(path: String, length: UInt64, fileSize: Int)
    /// The header is not a JSON object.
    case headerNotJSON(path: String, reason: String)
    /// A tensor's entry lacks a field or has one of the wrong kind.
    case badTensorEntry(path: String, tensor: String, reason: String)
    /// A tensor's dtype is not one the format defines.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's data ends beyond the data section.
    case tensorOutOfRange(path: String, tensor: String, end: Int, dataSize: Int)
    /// A tensor's byte range does not match its shape and dtype.
    case sizeMismatch(path: String, tensor: String, expectedBytes: Int, foundBytes: Int)
    /// Two tensors claim the same bytes.
    case overlappingTensors(path: String, first: String, second: String)
    /// A tensor exists but in a dtype this engine does not compute with.
    case unsupportedDType(tensor: String, dtype: SafeTensorsDType)

    public var description: String {
        switch self {
        case .tooSmall(let path, let size):
            return "\(path) is not a safetensors file: \(size) bytes, shorter than the 8-byte header length"
        case .headerLengthOutOfRange(let path, let length, let fileSize):
            return "\(path): safetensors header length \(length) does not fit in the file (\(fileSize) bytes)"
        case .headerNotJSON(let path, let reason):
            return "\(path): safetensors header is not a JSON object: \(reason)"
        case .badTensorEntry(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)' has a bad header entry: \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .tensorOutOfRange(let path, let tensor, let end, let dataSize):
            return "\(path): tensor '\(tensor)' data ends at \(end), beyond the data section (\(dataSize) bytes)"
        case .sizeMismatch(let path, let tensor, let expected, let found):
            return "\(path): tensor '\(tensor)' spans \(found) bytes, its shape and dtype need \(expected)"
        case .overlappingTensors(let path, let first, let second):
            return "\(path): tensors '\(first)' and '\(second)' overlap"
        case .unsupportedDType(let tensor, let dtype):
            return "tensor '\(tensor)' is \(dtype), which this engine cannot compute with (F32 only)"
        }
    }
}
