/// ggml `block_q8_K`: 256 values `d · q`, `q` in −127…127, with a float32 `d` and the sums of
/// each 16 quants, which let the K-quants apply their per-sub-block minimums and offsets with one
/// multiply per 16 elements instead of one per element.
struct BlockQ8_K {
    var d: Float
    var qs: InlineArray<256, Int8>
    var bsums: InlineArray<16, Int16>
}

/// The activation format of Q4_K, Q5_K and Q6_K weights.
enum Q8_K: ActivationFormat {
    static let blockElements = 256
    static let blockBytes = 292
    /// Byte offsets of the fields in a block.
    static let quantsOffset = 4
    static let sumsOffset = 260

    /// As ggml's `quantize_row_q8_K_ref`: the element of largest magnitude maps to ∓127 exactly.
    static func quantize(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer) {
        for block in 0..<count / 256 {
            let x = input + block * 256
            let out = output + block * 292
            let q = (out + quantsOffset).assumingMemoryBound(to: Int8.self)
            let sums = (out + sumsOffset).assumingMemoryBound(to: Int16.self)
            var extreme: Float = 0
            for i in 0..<256 where abs(x[i]) > abs(extreme) { extreme = x[i] }
            guard extreme != 0 else {
                out.initializeMemory(as: UInt8.self, repeating: 0, count: 292)
                continue
            }
            let inverse = -127 / extreme
            for i in 0..<256 { q[i] = Int8(min(127, (inverse * x[i]).rounded(.toNearestOrEven))) }
            for group in 0..<16 {
                var sum: Int16 = 0
                for i in 0..<16 { sum &+= Int16(q[group * 16 + i]) }
                sums[group] = sum
            }
            out.storeBytes(of: 1 / inverse, as: Float.self)
        }
    }

    /// The scale of the block at `block`.
    @inline(__always)
    static func scale(_ block: UnsafeRawPointer) -> Float {
        block.loadUnaligned(as: Float.self)
    }

    /// The quants of the block at `block`.
    @inline(__always)
    static func quants(_ block: UnsafeRawPointer) -> UnsafePointer<Int8> {
        (block + quantsOffset).assumingMemoryBound(to: Int8.self)
    }

    /// The 16 sums of 16 quants of the block at `block`.
    @inline(__always)
    static func sums(_ block: UnsafeRawPointer) -> UnsafePointer<Int16> {
        (block + sumsOffset).assumingMemoryBound(to: Int16.self)
    }
}
