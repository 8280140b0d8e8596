/// GPT-2's byte-level alphabet: each byte stands for one printable Unicode scalar, so a byte-level BPE
/// vocabulary can spell any byte string (`Ġ` is the space byte 0x20, `Ċ` is 0x0A).
enum ByteLevelAlphabet {
    /// The scalar that stands for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var printable = Array(UInt32(0x21)...0x7E) + Array(UInt32(0xA1)...0xAC) + Array(UInt32(0xAE)...0xFF)
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for value in printable { table[Int(value)] = Unicode.Scalar(value)! }
        var next: UInt32 = 256
        for byte in 0..<256 where !printable.contains(UInt32(byte)) {
            table[byte] = Unicode.Scalar(next)!
            printable.append(UInt32(byte))
            next += 1
        }
        return table
    }()

    /// The byte a scalar of the alphabet stands for, or nil for a scalar outside it.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        byteForScalar[scalar.value]
    }

    private static let byteForScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { map[scalar.value] = UInt8(byte) }
        return map
    }()

    /// The byte-level spelling of a UTF-8 byte sequence.
    static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }
}
