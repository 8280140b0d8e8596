/// Plain float32 weights (norms, and small models stored unquantized).
enum F32: WeightFormat {
    typealias Activation = FloatActivation
    static let type = TensorType.f32

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        let w = row.assumingMemoryBound(to: Float.self)
        let a = activation.assumingMemoryBound(to: Float.self)
        // Eight independent partial sums let the compiler vectorize without reassociating.
        var partial = SIMD8<Float>()
        var i = 0
        while i + 8 <= blocks {
            partial += (row + i * 4).loadUnaligned(as: SIMD8<Float>.self)
                * (activation + i * 4).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = partial.sum()
        while i < blocks { sum += w[i] * a[i]; i += 1 }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Double = 0
        for i in 0..<blocks {
            sum += Double(row.load(fromByteOffset: i * 4, as: Float.self)) * Double(activation.load(fromByteOffset: i * 4, as: Float.self))
        }
        return Float(sum)
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(output).copyMemory(from: row, byteCount: blocks * 4)
    }
}
