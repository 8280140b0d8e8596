/// ggml `block_q5_1`: 32 values `d · q + m`, `q` in 0…31, packed like Q5_0.
struct BlockQ5_1 {
    var d: UInt16
    var m: UInt16
    var qh: InlineArray<4, UInt8>
    var qs: InlineArray<16, UInt8>
}

enum Q5_1: WeightFormat {
    typealias Activation = Q8_1
    static let type = TensorType.q5_1

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 24
            let a = activation + block * 36
            let qh = (w + 4).assumingMemoryBound(to: UInt8.self)
            let qw = (w + 8).assumingMemoryBound(to: UInt8.self)
            let qa = (a + 4).assumingMemoryBound(to: Int8.self)
            var integer: Int32 = 0
            for j in 0..<16 {
                // Byte masks rather than shifts of the 32-bit `qh` keep the loop in narrow lanes.
                let mask = UInt8(1) << UInt8(j & 7)
                let byte = qw[j]
                let low = byte & 0x0F | (qh[j >> 3] & mask != 0 ? 16 : 0)
                let high = byte >> 4 | (qh[2 + (j >> 3)] & mask != 0 ? 16 : 0)
                integer &+= Int32(Int16(low) &* Int16(qa[j])) &+ Int32(Int16(high) &* Int16(qa[j + 16]))
            }
            // Q8_1's `s = d · Σ q` carries the minimum's share: Σ m·a = m · s.
            sum += loadHalf(w) * loadHalf(a) * Float(integer) + loadHalf(w, 2) * loadHalf(a, 2)
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 24
            let a = activation + block * 36
            var integer = 0
            for i in 0..<32 {
                integer += quant(w, i) * Int(a.load(fromByteOffset: 4 + i, as: Int8.self))
            }
            sum += loadHalf(w) * loadHalf(a) * Float(integer) + loadHalf(w, 2) * loadHalf(a, 2)
        }
        return sum
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let w = row + block * 24
            let d = loadHalf(w)
            let m = loadHalf(w, 2)
            for i in 0..<32 { output[block * 32 + i] = d * Float(quant(w, i)) + m }
        }
    }

    /// Element `i` (0..<32) of the block at `block`: 0…31.
    private static func quant(_ block: UnsafeRawPointer, _ i: Int) -> Int {
        let byte = block.load(fromByteOffset: 8 + i % 16, as: UInt8.self)
        let low = Int(i < 16 ? byte & 0x0F : byte >> 4)
        let high = Int(block.load(fromByteOffset: 4 + i / 8, as: UInt8.self) >> (i % 8) & 1)
        return low | high << 4
    }
}
