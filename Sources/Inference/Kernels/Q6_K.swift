/// ggml `block_q6_K`: 256 values in sixteen groups of 16, element `i` being
/// `d · scales[i / 16] · (q − 32)` with `q` in 0…63 and signed 8-bit `scales`. Each half of 128
/// elements takes 64 bytes of `ql` and 32 of `qh`: element `l + 32k` (`l` < 32, `k` < 4) has its
/// low four bits in `ql[l + 32(k % 2)]` (low nibble for k < 2, high for k ≥ 2) and its top two
/// bits in bits `2k`, `2k + 1` of `qh[l]`.
struct BlockQ6_K {
    var ql: InlineArray<128, UInt8>
    var qh: InlineArray<64, UInt8>
    var scales: InlineArray<16, Int8>
    var d: UInt16
}

enum Q6_K: WeightFormat {
    typealias Activation = Q8_K
    static let type = TensorType.q6_K

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 210
            let a = activation + block * 292
            let scales = (w + 192).assumingMemoryBound(to: Int8.self)
            let sums = Q8_K.sums(a)
            var scaled: Int32 = 0     // Σ scale[g] · Σ q·a, with q unsigned (0…63)
            for half in 0..<2 {
                let ql = (w + 64 * half).assumingMemoryBound(to: UInt8.self)
                let qh = (w + 128 + 32 * half).assumingMemoryBound(to: UInt8.self)
                let x = Q8_K.quants(a) + 128 * half
                let scale = scales + 8 * half
                for part in 0..<2 {
                    var s0: Int32 = 0
                    var s1: Int32 = 0
                    var s2: Int32 = 0
                    var s3: Int32 = 0
                    for l in 16 * part..<16 * part + 16 {
                        let high = qh[l]
                        s0 &+= Int32(ql[l] & 0x0F | (high & 3) << 4) &* Int32(x[l])
                        s1 &+= Int32(ql[l + 32] & 0x0F | (high >> 2 & 3) << 4) &* Int32(x[l + 32])
                        s2 &+= Int32(ql[l] >> 4 | (high >> 4 & 3) << 4) &* Int32(x[l + 64])
                        s3 &+= Int32(ql[l + 32] >> 4 | (high >> 6) << 4) &* Int32(x[l + 96])
                    }
                    scaled &+= Int32(scale[part]) &* s0 &+ Int32(scale[part + 2]) &* s1
                        &+ Int32(scale[part + 4]) &* s2 &+ Int32(scale[part + 6]) &* s3
                }
            }
            // Σ scale[g] · Σ (q − 32)·a = Σ scale[g] · Σ q·a − 32 · Σ scale[g] · bsums[g].
            var offsets: Int32 = 0
            for group in 0..<16 { offsets &+= Int32(scales[group]) &* Int32(sums[group]) }
            sum += loadHalf(w, 208) * Q8_K.scale(a) * Float(scaled &- 32 &* offsets)
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 210
            let a = activation + block * 292
            var integer = 0
            for group in 0..<16 {
                let scale = Int(w.load(fromByteOffset: 192 + group, as: Int8.self))
                var product = 0
                for i in group * 16..<group * 16 + 16 {
                    product += quant(w, i) * Int(a.load(fromByteOffset: Q8_K.quantsOffset + i, as: Int8.self))
                }
                integer += scale * product
            }
            sum += loadHalf(w, 208) * Q8_K.scale(a) * Float(integer)
        }
        return sum
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let w = row + block * 210
            let d = loadHalf(w, 208)
            for group in 0..<16 {
                let step = d * Float(w.load(fromByteOffset: 192 + group, as: Int8.self))
                for i in group * 16..<group * 16 + 16 {
                    output[block * 256 + i] = step * Float(quant(w, i))
                }
            }
        }
    }

    /// Element `i` (0..<256) of the block at `block`, offset removed: −32…31.
    private static func quant(_ block: UnsafeRawPointer, _ i: Int) -> Int {
        let half = i / 128
        let k = i % 128 / 32
        let l = i % 32
        let byte = block.load(fromByteOffset: 64 * half + 32 * (k % 2) + l, as: UInt8.self)
        let low = Int(k < 2 ? byte & 0x0F : byte >> 4)
        let high = Int(block.load(fromByteOffset: 128 + 32 * half + l, as: UInt8.self) >> (2 * k) & 3)
        return (low | high << 4) - 32
    }
}
