/// IEEE half-precision weights (ggml `ggml_fp16_t`), multiplied with float activations.
enum F16: WeightFormat {
    typealias Activation = FloatActivation
    static let type = TensorType.f16

    /// `blocks` is the element count: a block of a float format is one element.
    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        let w = row.assumingMemoryBound(to: UInt16.self)
        let a = activation.assumingMemoryBound(to: Float.self)
        // Eight independent partial sums let the compiler vectorize without reassociating.
        var partial = SIMD8<Float>()
        var i = 0
        while i + 8 <= blocks {
            // One vcvtph2ps converts the eight halves (lane by lane it would be eight inserts).
            let weights = SIMD8<Float>((row + i * 2).loadUnaligned(as: SIMD8<Float16>.self))
            partial += weights * (activation + i * 4).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = partial.sum()
        while i < blocks { sum += floatFromHalf(w[i]) * a[i]; i += 1 }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Double = 0
        for i in 0..<blocks {
            sum += Double(loadHalf(row, i * 2)) * Double(activation.load(fromByteOffset: i * 4, as: Float.self))
        }
        return Float(sum)
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<blocks { output[i] = loadHalf(row, i * 2) }
    }
}
