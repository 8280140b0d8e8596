@testable import Inference

/// The kernel of each stored weight type, for tests parameterized by `TensorType`.
enum WeightFormats {
    /// Every weight type `MatMul` multiplies.
    static let types: [TensorType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    static func format(_ type: TensorType) -> any WeightFormat.Type {
        switch type {
        case .f32: return F32.self
        case .f16: return F16.self
        case .bf16: return BF16.self
        case .q4_0: return Q4_0.self
        case .q4_1: return Q4_1.self
        case .q5_0: return Q5_0.self
        case .q5_1: return Q5_1.self
        case .q8_0: return Q8_0.self
        case .q4_K: return Q4_K.self
        case .q5_K: return Q5_K.self
        case .q6_K: return Q6_K.self
        default: preconditionFailure("no weight format for \(type)")
        }
    }

    /// Dequantizes `rows` rows of `columns` elements stored in `data`.
    static func dequantize(_ type: TensorType, _ data: [UInt8], rows: Int, columns: Int) -> [Float] {
        let format = format(type)
        var output = [Float](repeating: .nan, count: rows * columns)
        data.withUnsafeBytes { bytes in
            output.withUnsafeMutableBufferPointer { values in
                for row in 0..<rows {
                    format.dequantize(
                        bytes.baseAddress! + row * type.byteCount(elements: columns),
                        blocks: columns / type.blockElements, into: values.baseAddress! + row * columns)
                }
            }
        }
        return output
    }
}
