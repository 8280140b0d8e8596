/// ggml `block_q8_1`: like Q8_0 plus `s = d · Σq`, which lets formats with an offset
/// (Q4_1, Q5_1) fold their minimum into one multiply per block.
struct BlockQ8_1 {
    var d: UInt16
    var s: UInt16
    var qs: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
             Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8)
}

/// The activation format of Q4_1 and Q5_1 weights.
enum Q8_1: ActivationFormat {
    static let blockElements = 32
    static let blockBytes = 36

    static func quantize(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer) {
        for block in 0..<count / 32 {
            let x = input + block * 32
            let out = output + block * 36
            var amax: Float = 0
            for i in 0..<32 { amax = max(amax, abs(x[i])) }
            let d = amax / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            let q = (out + 4).assumingMemoryBound(to: Int8.self)
            var sum: Int32 = 0
            for i in 0..<32 {
                let value = Int8((x[i] * inverse).rounded(.toNearestOrEven))
                q[i] = value
                sum &+= Int32(value)
            }
            out.storeBytes(of: halfFromFloat(d), as: UInt16.self)
            out.storeBytes(of: halfFromFloat(Float(sum) * d), toByteOffset: 2, as: UInt16.self)
        }
    }
}
