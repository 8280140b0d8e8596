/// ggml `block_q8_0`: 32 values `d · q` with `q` in −127…127 and `d` a float16.
struct BlockQ8_0 {
    var d: UInt16
    var qs: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
             Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8)
}

/// Q8_0 as a weight format (SmolLM2's token embeddings and tied output) and as the activation
/// format of Q8_0, Q4_0 and Q5_0 weights.
enum Q8_0: WeightFormat, ActivationFormat {
    typealias Activation = Q8_0
    static let type = TensorType.q8_0
    static let blockElements = 32
    static let blockBytes = 34

    static func quantize(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer) {
        for block in 0..<count / 32 {
            let x = input + block * 32
            let out = output + block * 34
            var amax: Float = 0
            for i in 0..<32 { amax = max(amax, abs(x[i])) }
            let d = amax / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            out.storeBytes(of: halfFromFloat(d), as: UInt16.self)
            let q = (out + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<32 { q[i] = Int8((x[i] * inverse).rounded(.toNearestOrEven)) }
        }
    }

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 34
            let a = activation + block * 34
            let qw = (w + 2).assumingMemoryBound(to: Int8.self)
            let qa = (a + 2).assumingMemoryBound(to: Int8.self)
            var integer: Int32 = 0
            for i in 0..<32 { integer &+= Int32(qw[i]) &* Int32(qa[i]) }
            sum += Float(integer) * (loadHalf(w) * loadHalf(a))
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            var integer = 0
            for i in 0..<32 {
                integer += Int(row.load(fromByteOffset: block * 34 + 2 + i, as: Int8.self))
                    * Int(activation.load(fromByteOffset: block * 34 + 2 + i, as: Int8.self))
            }
            sum += Float(integer) * (loadHalf(row, block * 34) * loadHalf(activation, block * 34))
        }
        return sum
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let w = row + block * 34
            let d = loadHalf(w)
            let q = (w + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<32 { output[block * 32 + i] = d * Float(q[i]) }
        }
    }
}
