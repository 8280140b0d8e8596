/// bfloat16 weights (the top half of a float32), multiplied with float activations.
enum BF16: WeightFormat {
    typealias Activation = FloatActivation
    static let type = TensorType.bf16

    /// `blocks` is the element count: a block of a float format is one element.
    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        let w = row.assumingMemoryBound(to: UInt16.self)
        let a = activation.assumingMemoryBound(to: Float.self)
        // Eight independent partial sums let the compiler vectorize without reassociating.
        var partial = SIMD8<Float>()
        var i = 0
        while i + 8 <= blocks {
            var weights = SIMD8<Float>()
            for lane in 0..<8 { weights[lane] = floatFromBFloat(w[i + lane]) }
            partial += weights * (activation + i * 4).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = partial.sum()
        while i < blocks { sum += floatFromBFloat(w[i]) * a[i]; i += 1 }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Double = 0
        for i in 0..<blocks {
            let weight = floatFromBFloat(row.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            sum += Double(weight) * Double(activation.load(fromByteOffset: i * 4, as: Float.self))
        }
        return Float(sum)
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<blocks { output[i] = floatFromBFloat(row.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
    }
}
