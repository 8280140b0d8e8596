@testable import Inference

/// Random stored weights and activations for kernel tests.
///
/// Quantized rows are random bytes, which are valid blocks of every format once their float16
/// scales are made finite: that reaches every bit of the packed quants and sub-block scales.
/// Scales are positive, so that for formats with an offset (Q4_1, Q5_1, K-quants) no
/// cancellation hides a wrong term.
enum RandomWeights {
    /// `rows` rows of `columns` elements of `type`, row after row.
    static func make(_ type: TensorType, rows: Int, columns: Int, using random: inout SeededGenerator) -> [UInt8] {
        let elements = rows * columns
        switch type {
        case .f32:
            return (0..<elements).flatMap { _ in bytes(of: Float.random(in: -1...1, using: &random)) }
        case .f16:
            return (0..<elements).flatMap { _ in bytes(of: halfFromFloat(Float.random(in: -1...1, using: &random))) }
        case .bf16:
            return (0..<elements).flatMap { _ in bytes(of: bfloatFromFloat(Float.random(in: -1...1, using: &random))) }
        default:
            var data = (0..<type.byteCount(elements: elements)).map { _ in UInt8.random(in: 0...255, using: &random) }
            for block in 0..<elements / type.blockElements {
                for offset in scaleOffsets(type) {
                    let scale = halfFromFloat(Float.random(in: 0.001...0.02, using: &random))
                    data[block * type.blockBytes + offset] = UInt8(truncatingIfNeeded: scale)
                    data[block * type.blockBytes + offset + 1] = UInt8(truncatingIfNeeded: scale >> 8)
                }
            }
            return data
        }
    }

    /// Activations in −1…1 with a few larger values, as hidden states have.
    static func activations(count: Int, using random: inout SeededGenerator) -> [Float] {
        (0..<count).map { i in Float.random(in: -1...1, using: &random) * (i % 97 == 0 ? 6 : 1) }
    }

    /// Byte offsets of the float16 scales in a block of `type`.
    static func scaleOffsets(_ type: TensorType) -> [Int] {
        switch type {
        case .q4_0, .q5_0, .q8_0: return [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: return [0, 2]
        case .q6_K: return [208]
        default: preconditionFailure("no scale layout for \(type)")
        }
    }

    private static func bytes<T>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
