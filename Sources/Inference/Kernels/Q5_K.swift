/// ggml `block_q5_K`: Q4_K with a fifth bit per element, `q` in 0…31. Bit `s` of `qh[l]` is the
/// fifth bit of element `l` of sub-block `s`.
struct BlockQ5_K {
    var d: UInt16
    var dmin: UInt16
    var scales: InlineArray<12, UInt8>
    var qh: InlineArray<32, UInt8>
    var qs: InlineArray<128, UInt8>
}

enum Q5_K: WeightFormat {
    typealias Activation = Q8_K
    static let type = TensorType.q5_K

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 176
            let a = activation + block * 292
            let qa = Q8_K.quants(a)
            let sums = Q8_K.sums(a)
            let qh = (w + 16).assumingMemoryBound(to: UInt8.self)
            var scaled: Int32 = 0     // Σ scale[s] · Σ q·a
            var offsets: Int32 = 0    // Σ min[s] · Σ a
            let (scales, mins) = KQuantScales.unpack(w + 4)
            for pair in 0..<4 {
                let qw = (w + 48 + 32 * pair).assumingMemoryBound(to: UInt8.self)
                let x = qa + 64 * pair
                let lowMask = UInt8(1) << UInt8(2 * pair)
                let highMask = UInt8(1) << UInt8(2 * pair + 1)
                var low: Int32 = 0
                var high: Int32 = 0
                for l in 0..<32 {
                    let lowQuant = qw[l] & 0x0F | (qh[l] & lowMask != 0 ? 16 : 0)
                    let highQuant = qw[l] >> 4 | (qh[l] & highMask != 0 ? 16 : 0)
                    low &+= Int32(lowQuant) &* Int32(x[l])
                    high &+= Int32(highQuant) &* Int32(x[l + 32])
                }
                let shift = UInt64(16 * pair)
                scaled &+= Int32(truncatingIfNeeded: scales >> shift & 0xFF) &* low
                    &+ Int32(truncatingIfNeeded: scales >> (shift + 8) & 0xFF) &* high
                let s = 4 * pair
                offsets &+= Int32(truncatingIfNeeded: mins >> shift & 0xFF) &* (Int32(sums[s]) &+ Int32(sums[s + 1]))
                    &+ Int32(truncatingIfNeeded: mins >> (shift + 8) & 0xFF) &* (Int32(sums[s + 2]) &+ Int32(sums[s + 3]))
            }
            let scale = Q8_K.scale(a)
            sum += loadHalf(w) * scale * Float(scaled) - loadHalf(w, 2) * scale * Float(offsets)
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 176
            let a = activation + block * 292
            var scaled = 0
            var offsets = 0
            for subBlock in 0..<8 {
                let (scale, minimum) = KQuantScales.scaleAndMin(w + 4, subBlock)
                var product = 0
                var activationSum = 0
                for i in subBlock * 32..<subBlock * 32 + 32 {
                    let x = Int(a.load(fromByteOffset: Q8_K.quantsOffset + i, as: Int8.self))
                    product += quant(w, i) * x
                    activationSum += x
                }
                scaled += Int(scale) * product
                offsets += Int(minimum) * activationSum
            }
            let scale = Q8_K.scale(a)
            sum += loadHalf(w) * scale * Float(scaled) - loadHalf(w, 2) * scale * Float(offsets)
        }
        return sum
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let w = row + block * 176
            let d = loadHalf(w)
            let dmin = loadHalf(w, 2)
            for subBlock in 0..<8 {
                let (scale, minimum) = KQuantScales.scaleAndMin(w + 4, subBlock)
                let step = d * Float(scale)
                let offset = dmin * Float(minimum)
                for i in subBlock * 32..<subBlock * 32 + 32 {
                    output[block * 256 + i] = step * Float(quant(w, i)) - offset
                }
            }
        }
    }

    /// Element `i` (0..<256) of the block at `block`: 0…31.
    private static func quant(_ block: UnsafeRawPointer, _ i: Int) -> Int {
        let byte = block.load(fromByteOffset: 48 + i / 64 * 32 + i % 32, as: UInt8.self)
        let low = Int(i % 64 < 32 ? byte & 0x0F : byte >> 4)
        let high = Int(block.load(fromByteOffset: 16 + i % 32, as: UInt8.self) >> (i / 32) & 1)
        return low | high << 4
    }
}
