/// GPT-2's byte-level alphabet: each byte stands for one printable Unicode scalar, so a byte-level BPE
/// vocabulary can spell any byte string (`Ġ` is the space byte 0x20, `Ċ` is 0x0A).
enum ByteLevelAlphabet {
    /// The scalar that stands for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        // Printable Latin-1 bytes stand for themselves; the others, in order, for U+0100, U+0101, ….
        let printable = Set(Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF))
        var next: UInt32 = 0x100
        return (0..<256).map { byte in
            if printable.contains(byte) { return Unicode.Scalar(UInt8(byte)) }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
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
