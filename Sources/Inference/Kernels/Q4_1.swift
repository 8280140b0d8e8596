/// ggml `block_q4_1`: 32 values `d · q + m`, `q` in 0…15; byte `j` holds element `j` in its
/// low nibble and element `j + 16` in its high nibble.
struct BlockQ4_1 {
    var d: UInt16
    var m: UInt16
    var qs: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
             UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
}

enum Q4_1: WeightFormat {
    typealias Activation = Q8_1
    static let type = TensorType.q4_1

    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 20
            let a = activation + block * 36
            let qw = (w + 4).assumingMemoryBound(to: UInt8.self)
            let qa = (a + 4).assumingMemoryBound(to: Int8.self)
            var integer: Int32 = 0
            for j in 0..<16 {
                let byte = qw[j]
                integer &+= Int32(byte & 0x0F) &* Int32(qa[j]) &+ Int32(byte >> 4) &* Int32(qa[j + 16])
            }
            sum += loadHalf(w) * loadHalf(a) * Float(integer) + loadHalf(w, 2) * loadHalf(a, 2)
        }
        return sum
    }

    static func referenceDot(_ row: UnsafeRawPointer, _ activation: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for block in 0..<blocks {
            let w = row + block * 20
            let a = activation + block * 36
            var integer = 0
            for j in 0..<16 {
                let byte = w.load(fromByteOffset: 4 + j, as: UInt8.self)
                integer += Int(byte & 0x0F) * Int(a.load(fromByteOffset: 4 + j, as: Int8.self))
                integer += Int(byte >> 4) * Int(a.load(fromByteOffset: 4 + j + 16, as: Int8.self))
            }
            sum += loadHalf(w) * loadHalf(a) * Float(integer) + loadHalf(w, 2) * loadHalf(a, 2)
        }
        return sum
    }

    static func dequantize(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let w = row + block * 20
            let d = loadHalf(w)
            let m = loadHalf(w, 2)
            let out = output + block * 32
            for j in 0..<16 {
                let byte = w.load(fromByteOffset: 4 + j, as: UInt8.self)
                out[j] = Float(byte & 0x0F) * d + m
                out[j + 16] = Float(byte >> 4) * d + m
            }
        }
    }
}
