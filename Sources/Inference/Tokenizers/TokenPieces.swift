/// The detokenized bytes of every token, in one flat buffer (llama.cpp's `cache_token_to_piece`).
struct TokenPieces: Sendable {
    private let bytes: [UInt8]
    /// `offsets[id]..<offsets[id + 1]` are the bytes of token `id`.
    private let offsets: [Int]

    init(count: Int, piece: (Int) -> [UInt8]) {
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        bytes.reserveCapacity(count * 6)
        offsets.reserveCapacity(count + 1)
        for id in 0..<count {
            bytes.append(contentsOf: piece(id))
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    subscript(id: TokenID) -> ArraySlice<UInt8> {
        guard id >= 0, Int(id) + 1 < offsets.count else { return [] }
        return bytes[offsets[Int(id)]..<offsets[Int(id) + 1]]
    }

    /// The bytes of `ids` joined, as `llama_detokenize` writes them: the first token loses one leading
    /// space when the vocabulary adds a space prefix.
    func join(_ ids: [TokenID], removingLeadingSpace: Bool) -> [UInt8] {
        var result: [UInt8] = []
        for (index, id) in ids.enumerated() {
            let piece = self[id]
            if index == 0, removingLeadingSpace, piece.first == 0x20 {
                result.append(contentsOf: piece.dropFirst())
            } else {
                result.append(contentsOf: piece)
            }
        }
        return result
    }

    /// The byte of a `<0xNN>` byte token.
    static func byteValue(of text: String) -> UInt8? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, text.hasPrefix("<0x"), bytes[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: bytes[3..<5], as: UTF8.self), radix: 16)
    }
}
