/// SentencePiece BPE (`tokenizer.ggml.model = llama`), as llama.cpp's `llm_tokenizer_spm`: spaces become
/// `▁`, a space is prefixed to text at the start and after each special token (when the vocabulary
/// says so), adjacent symbols merge highest score first, and characters no token spells fall back
/// to `<0xNN>` byte tokens.
struct SentencePieceTokenizer: Tokenizer {
    let vocabulary: Vocabulary
    private let splitter: SpecialTokenSplitter
    private let pieces: TokenPieces
    /// The `<0xNN>` token of each byte (or the byte's own one-character token), else the unknown token.
    private let byteTokens: [TokenID?]

    init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        splitter = SpecialTokenSplitter(vocabulary: vocabulary)
        pieces = TokenPieces(count: vocabulary.count) { Self.piece(of: TokenID($0), in: vocabulary) }
        byteTokens = (0..<256).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            let name = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            if let id = vocabulary.id(of: name) { return id }
            if byte < 0x80, let id = vocabulary.id(of: String(UnicodeScalar(UInt8(byte)))) { return id }
            return vocabulary.unknown
        }
    }

    func encode(_ text: String, parseSpecial: Bool) -> [TokenID] {
        encode(splitter.fragments([(text, SpecialTokenParsing(parseSpecial: parseSpecial))]))
    }

    func encode(segments: [PromptSegment]) -> [TokenID] {
        encode(splitter.fragments(segments.map { ($0.text, SpecialTokenParsing($0.kind)) }))
    }

    private func encode(_ fragments: [TextFragment]) -> [TokenID] {
        var output: [TokenID] = []
        var previousIsSpecial = true
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                output.append(id)
                previousIsSpecial = true
            case .text(let bytes):
                let prefixed = vocabulary.addsSpacePrefix && previousIsSpecial ? [UInt8(ascii: " ")] + bytes : bytes
                encodeText(Self.escapingSpaces(prefixed), into: &output)
                previousIsSpecial = false
            }
        }
        return output
    }

    /// `" "` → `"▁"` (U+2581).
    private static func escapingSpaces(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == UInt8(ascii: " ") { result.append(contentsOf: [0xE2, 0x96, 0x81]) } else { result.append(byte) }
        }
        return result
    }

    private func encodeText(_ text: [UInt8], into output: inout [TokenID]) {
        // One symbol per UTF-8 character: its byte range.
        var starts: [Int] = []
        var lengths: [Int] = []
        var offset = 0
        while offset < text.count {
            let length = min(Self.utf8Length(leadingByte: text[offset]), text.count - offset)
            starts.append(offset)
            lengths.append(length)
            offset += length
        }
        var next = starts.indices.map { $0 + 1 < starts.count ? $0 + 1 : -1 }
        var previous = starts.indices.map { $0 - 1 }
        var queue = BinaryHeap<Bigram>()
        func queuePair(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let size = lengths[left] + lengths[right]
            guard let id = tokenID(text[starts[left]..<starts[left] + size]) else { return }
            queue.push(Bigram(score: vocabulary.score(of: id), left: left, right: right, size: size))
        }
        for index in starts.indices.dropFirst() { queuePair(index - 1, index) }
        while let bigram = queue.pop() {
            // Skip pairs whose symbols have changed since they were queued.
            guard lengths[bigram.left] > 0, lengths[bigram.right] > 0,
                lengths[bigram.left] + lengths[bigram.right] == bigram.size
            else { continue }
            lengths[bigram.left] = bigram.size
            lengths[bigram.right] = 0
            next[bigram.left] = next[bigram.right]
            if next[bigram.right] >= 0 { previous[next[bigram.right]] = bigram.left }
            queuePair(previous[bigram.left], bigram.left)
            queuePair(bigram.left, next[bigram.left])
        }
        var index = starts.isEmpty ? -1 : 0
        while index >= 0 {
            let symbol = text[starts[index]..<starts[index] + lengths[index]]
            // Every merged symbol is a token; only single characters can be missing (llama.cpp's
            // `resegment` then falls back to bytes).
            if let id = tokenID(symbol) {
                output.append(id)
            } else {
                output.append(contentsOf: symbol.compactMap { byteTokens[Int($0)] })
            }
            index = next[index]
        }
    }

    private func tokenID(_ bytes: ArraySlice<UInt8>) -> TokenID? {
        vocabulary.id(ofBytes: bytes)
    }

    private static func utf8Length(leadingByte byte: UInt8) -> Int {
        switch byte >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    private struct Bigram: Comparable {
        let score: Float
        let left: Int
        let right: Int
        let size: Int

        /// Highest score first; on equal scores the leftmost pair.
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }
    }

    func tokenBytes(_ id: TokenID) -> [UInt8] { Array(pieces[id]) }

    func decode(_ ids: [TokenID]) -> String {
        String(decoding: pieces.join(ids, removingLeadingSpace: vocabulary.addsSpacePrefix), as: UTF8.self)
    }

    /// What llama.cpp's `token_to_piece` writes for a token, special tokens included.
    private static func piece(of id: TokenID, in vocabulary: Vocabulary) -> [UInt8] {
        let text = vocabulary.text(of: id)
        let attributes = vocabulary.attributes(of: id)
        if !attributes.isDisjoint(with: [.control, .unknown, .userDefined]) { return Array(text.utf8) }
        if attributes.contains(.normal) {
            var unescaped = String.UnicodeScalarView()
            for scalar in text.unicodeScalars { unescaped.append(scalar == "\u{2581}" ? " " : scalar) }
            return Array(String(unescaped).utf8)
        }
        if attributes.contains(.byte), let byte = TokenPieces.byteValue(of: text) { return [byte] }
        return []
    }
}
