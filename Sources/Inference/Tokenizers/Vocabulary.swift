/// A model's tokens and their roles, read from GGUF tokenizer metadata the way llama.cpp's
/// `llama_vocab::load` does: token types, special ids with llama.cpp's defaults, BOS/EOS flags,
/// and the end-of-generation set that llama.cpp derives from token texts.
///
/// ```swift
/// let vocabulary = try Vocabulary(metadata: file.metadata)
/// vocabulary.text(of: 2)                 // "<|im_end|>"
/// vocabulary.endOfGeneration.contains(2) // true
/// ```
public struct Vocabulary: Sendable {
    /// The tokenizer algorithm `tokenizer.ggml.model` names.
    public enum Model: String, Sendable, Equatable {
        /// `gpt2`: byte-level BPE with merges and a pre-tokenizer.
        case bytePairEncoding = "gpt2"
        /// `llama`: SentencePiece BPE with scores and `<0xNN>` byte fallback.
        case sentencePiece = "llama"
    }

    /// The tokenizer algorithm.
    public let model: Model
    /// The byte-level BPE settings `tokenizer.ggml.pre` selects (nil for SentencePiece).
    let bytePairSettings: BytePairSettings?
    let tokens: [String]
    let scores: [Float]
    let attributes: [TokenAttributes]
    let idsByText: [TokenText: TokenID]
    /// `tokenizer.ggml.merges`, in rank order (BPE only).
    let merges: [String]
    /// Tokens that can be parsed out of text, longest text first (llama.cpp's `cache_special_tokens`).
    let specialTokens: [TokenID]

    /// Beginning and end of sequence, and the unknown token (llama.cpp's defaults when the GGUF names none).
    public let bos: TokenID?
    public let eos: TokenID?
    public let unknown: TokenID?
    /// Whether a prompt starts with BOS / ends with EOS (`tokenizer.ggml.add_bos_token` / `add_eos_token`).
    /// Chat templates that want BOS write it themselves: do not add it to a rendered prompt.
    public let addsBOS: Bool
    public let addsEOS: Bool
    /// SentencePiece's leading space before text (and its removal from the first decoded token).
    public let addsSpacePrefix: Bool
    /// Every id that ends a generation (llama.cpp's EOG set): EOS, EOT, EOM, FIM tokens and
    /// the end-of-turn texts llama.cpp knows.
    public let endOfGeneration: Set<TokenID>

    /// Reads the vocabulary; throws a `VocabularyError` naming the key at fault.
    public init(metadata: GGUFMetadata) throws {
        guard let modelName = metadata.string(Key.model) else { throw VocabularyError.missingKey(Key.model) }
        guard let model = Model(rawValue: modelName) else { throw VocabularyError.unsupportedModel(modelName) }
        self.model = model
        bytePairSettings = model == .bytePairEncoding ? try BytePairSettings.named(metadata.string(Key.pre)) : nil

        var tokens = try Self.tokenTexts(metadata)
        let count = tokens.count
        scores = try Self.array(metadata.floats(Key.scores), key: Key.scores, count: count) ?? []
        var attributes = try Self.array(metadata.integers(Key.tokenTypes), key: Key.tokenTypes, count: count)?
            .map(TokenAttributes.init(ggufTokenType:)) ?? Array(repeating: .normal, count: count)
        var idsByText: [TokenText: TokenID] = [:]
        idsByText.reserveCapacity(count)
        for index in tokens.indices {
            if tokens[index].isEmpty { tokens[index] = "[EMPTY_\(index)]" }
            if let first = idsByText.updateValue(TokenID(index), forKey: TokenText(tokens[index])) {
                throw VocabularyError.duplicateToken(text: tokens[index], first: first, second: TokenID(index))
            }
        }
        merges = model == .bytePairEncoding ? try Self.merges(metadata) : []

        let lookup = SpecialTokenLookup(metadata: metadata, idsByText: idsByText, count: count)
        bos = lookup.id(Key.bos, default: model == .sentencePiece ? 1 : 11)
        eos = lookup.id(Key.eos, default: model == .sentencePiece ? 2 : 11)
        unknown = lookup.id(Key.unknown, default: model == .sentencePiece ? 0 : nil)
        addsBOS = metadata.bool(Key.addBOS) ?? (model == .sentencePiece || bytePairSettings?.addsBOSByDefault == true)
        addsEOS = metadata.bool(Key.addEOS) ?? false
        addsSpacePrefix = metadata.bool(Key.addSpacePrefix) ?? (model == .sentencePiece)
        if addsBOS, bos == nil { throw VocabularyError.specialTokenMissing(flag: Key.addBOS, idKey: Key.bos) }
        if addsEOS, eos == nil { throw VocabularyError.specialTokenMissing(flag: Key.addEOS, idKey: Key.eos) }

        endOfGeneration = lookup.endOfGeneration(eos: eos, tokens: tokens, attributes: &attributes)
        lookup.applyModelQuirks(modelName: metadata.string(Key.name), attributes: &attributes)

        self.tokens = tokens
        self.attributes = attributes
        self.idsByText = idsByText
        specialTokens = tokens.indices
            .filter { !attributes[$0].isDisjoint(with: TokenAttributes.parsedFromText) }
            .sorted { tokens[$0].utf8.count != tokens[$1].utf8.count ? tokens[$0].utf8.count > tokens[$1].utf8.count : $0 < $1 }
            .map { TokenID($0) }
    }

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// The raw vocabulary string of a token (byte-level alphabet for BPE, `▁` for spaces in SentencePiece).
    public func text(of id: TokenID) -> String {
        contains(id) ? tokens[Int(id)] : ""
    }

    /// The id whose raw vocabulary string is `text`.
    public func id(of text: String) -> TokenID? { idsByText[TokenText(text)] }

    /// The id of the token whose text is exactly these bytes.
    func id(ofBytes bytes: some Collection<UInt8>) -> TokenID? { idsByText[TokenText(bytes: bytes)] }

    /// The token's attributes (empty for an id outside the vocabulary).
    public func attributes(of id: TokenID) -> TokenAttributes {
        contains(id) ? attributes[Int(id)] : []
    }

    /// Whether the token is a control token (template scaffolding, never made from user text).
    public func isControl(_ id: TokenID) -> Bool { attributes(of: id).contains(.control) }

    /// Whether `id` names a token of this vocabulary.
    public func contains(_ id: TokenID) -> Bool { id >= 0 && Int(id) < tokens.count }

    func score(of id: TokenID) -> Float { scores.isEmpty ? 0 : scores[Int(id)] }

    private static func tokenTexts(_ metadata: GGUFMetadata) throws -> [String] {
        let tokens = try strings(metadata, Key.tokens)
        guard !tokens.isEmpty else { throw VocabularyError.emptyVocabulary }
        return tokens
    }

    private static func merges(_ metadata: GGUFMetadata) throws -> [String] {
        try strings(metadata, Key.merges)
    }

    /// A required array of strings, refused when any element is something else.
    private static func strings(_ metadata: GGUFMetadata, _ key: String) throws -> [String] {
        guard let values = metadata[key]?.array else { throw VocabularyError.missingKey(key) }
        let strings = values.compactMap(\.string)
        guard strings.count == values.count else {
            throw VocabularyError.wrongType(key: key, expected: "an array of strings")
        }
        return strings
    }

    /// A per-token array, which must cover every token (llama.cpp reads it by token index).
    private static func array<Element>(_ values: [Element]?, key: String, count: Int) throws -> [Element]? {
        guard let values else { return nil }
        guard values.count >= count else {
            throw VocabularyError.lengthMismatch(key: key, expected: count, found: values.count)
        }
        return Array(values.prefix(count))
    }

    /// The GGUF metadata keys of the tokenizer.
    enum Key {
        static let model = "tokenizer.ggml.model"
        static let pre = "tokenizer.ggml.pre"
        static let tokens = "tokenizer.ggml.tokens"
        static let scores = "tokenizer.ggml.scores"
        static let tokenTypes = "tokenizer.ggml.token_type"
        static let merges = "tokenizer.ggml.merges"
        static let bos = "tokenizer.ggml.bos_token_id"
        static let eos = "tokenizer.ggml.eos_token_id"
        static let unknown = "tokenizer.ggml.unknown_token_id"
        static let addBOS = "tokenizer.ggml.add_bos_token"
        static let addEOS = "tokenizer.ggml.add_eos_token"
        static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
        static let chatTemplate = "tokenizer.chat_template"
        static let name = "general.name"
    }
}
