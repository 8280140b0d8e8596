/// Byte-level BPE (`tokenizer.ggml.model = gpt2`), as llama.cpp tokenizes it: special tokens split
/// out first, then the pre-tokenizer cuts words, each word's bytes are spelled in the byte-level
/// alphabet and merged by rank.
struct BytePairTokenizer: Tokenizer {
    let vocabulary: Vocabulary
    private let settings: BytePairSettings
    private let splitter: SpecialTokenSplitter
    private let merges: BytePairMerges
    private let pieces: TokenPieces

    init(vocabulary: Vocabulary) throws {
        guard let settings = vocabulary.bytePairSettings else {
            throw VocabularyError.unsupportedModel(vocabulary.model.rawValue)
        }
        self.vocabulary = vocabulary
        self.settings = settings
        splitter = SpecialTokenSplitter(vocabulary: vocabulary)
        merges = BytePairMerges(vocabulary: vocabulary)
        pieces = TokenPieces(count: vocabulary.count) { Self.piece(of: TokenID($0), in: vocabulary) }
    }

    func encode(_ text: String, parseSpecial: Bool) -> [TokenID] {
        encode(splitter.fragments([(text, SpecialTokenParsing(parseSpecial: parseSpecial))]))
    }

    func encode(segments: [PromptSegment]) -> [TokenID] {
        encode(splitter.fragments(segments.map { ($0.text, SpecialTokenParsing($0.kind)) }))
    }

    private func encode(_ fragments: [TextFragment]) -> [TokenID] {
        var output: [TokenID] = []
        var scratch = BytePairMerges.Scratch()
        for fragment in fragments {
            switch fragment {
            case .token(let id): output.append(id)
            case .text(let bytes): encodeText(bytes, into: &output, scratch: &scratch)
            }
        }
        return output
    }

    private func encodeText(_ bytes: [UInt8], into output: inout [TokenID], scratch: inout BytePairMerges.Scratch) {
        let text = String(decoding: bytes, as: UTF8.self)
        let utf8 = Array(text.utf8)
        var scalars: [UInt32] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(utf8.count)
        offsets.reserveCapacity(utf8.count + 1)
        var offset = 0
        for scalar in text.unicodeScalars {
            scalars.append(scalar.value)
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)
        for word in settings.preTokenizer.split(scalars) {
            let wordBytes = utf8[offsets[word.lowerBound]..<offsets[word.upperBound]]
            if settings.ignoresMerges, let whole = vocabulary.id(of: ByteLevelAlphabet.encode(wordBytes)) {
                output.append(whole)
            } else {
                merges.encodeWord(wordBytes, into: &output, scratch: &scratch)
            }
        }
    }

    func tokenBytes(_ id: TokenID) -> [UInt8] { Array(pieces[id]) }

    func decode(_ ids: [TokenID]) -> String {
        let bytes = pieces.join(ids, removingLeadingSpace: vocabulary.addsSpacePrefix)
        return String(decoding: settings.cleansSpaces ? SpaceCleanup.apply(bytes) : bytes, as: UTF8.self)
    }

    /// What llama.cpp's `token_to_piece` writes for a token, special tokens included.
    private static func piece(of id: TokenID, in vocabulary: Vocabulary) -> [UInt8] {
        let text = vocabulary.text(of: id)
        let attributes = vocabulary.attributes(of: id)
        if !attributes.isDisjoint(with: [.control, .unknown, .userDefined]) { return Array(text.utf8) }
        if attributes.contains(.normal) { return decodeByteLevel(text) }
        if attributes.contains(.byte), let byte = TokenPieces.byteValue(of: text) { return [byte] }
        return []
    }

    /// The bytes a byte-level token spells; a character outside the alphabet is written the way
    /// llama.cpp writes it, as `[UNK_BYTE_0x…]`.
    private static func decodeByteLevel(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let byte = ByteLevelAlphabet.byte(for: scalar) {
                bytes.append(byte)
            } else {
                let hex = String(Character(scalar)).utf8.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
                bytes.append(contentsOf: "[UNK_BYTE_0x\(hex)\(text)]".utf8)
            }
        }
        return bytes
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
