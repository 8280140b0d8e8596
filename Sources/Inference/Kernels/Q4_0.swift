/// ggml `block_q4_0`: 32 values `d · (q − 8)`, `q` in 0…15; byte `j` holds element `j` in its
/// low nibble and element `j + 16` in its high nibble.
struct BlockQ4_0 {
    var d: UInt16
    var qs: InlineArray<16, UInt8>
}

enum Q4_0: WeightFormat {
    typealias Activation = Q8_0
    static let type = TensorType.q4_0

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 18
            let a = activation + block * 34
            let qw = (w + 2).assumingMemoryBound(to: UInt8.self)
            let qa = (a + 2).assumingMemoryBound(to: Int8.self)
            var integer: Int32 = 0
            for j in 0..<16 {
                let byte = qw[j]
                let low = Int16(byte & 0x0F) &- 8
                let high = Int16(byte >> 4) &- 8
                integer &+= Int32(low &* Int16(qa[j])) &+ Int32(high &* Int16(qa[j + 16]))
            }
            sum += loadHalf(w) * loadHalf(a) * Float(integer)
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 18
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
            let w = row + block * 18
            let d = loadHalf(w)
            for i in 0..<32 { output[block * 32 + i] = d * Float(quant(w, i)) }
        }
    }

    /// Element `i` (0..<32) of the block at `block`, offset removed: −8…7.
    private static func quant(_ block: UnsafeRawPointer, _ i: Int) -> Int {
        let byte = block.load(fromByteOffset: 2 + i % 16, as: UInt8.self)
        return Int(i < 16 ? byte & 0x0F : byte >> 4) - 8
    }
}
