/// Turns text into token ids and back, for one vocabulary.
///
/// ```swift
/// let tokenizer = try makeTokenizer(Vocabulary(metadata: file.metadata))
/// tokenizer.encode("<|im_start|>", parseSpecial: false)  // 7 ordinary tokens
/// tokenizer.encode("<|im_start|>", parseSpecial: true)   // [1]
/// ```
public protocol Tokenizer: Sendable {
    var vocabulary: Vocabulary { get }

    /// The ids of `text`, without BOS or EOS, like `llama_tokenize`. `parseSpecial`: whether the text of
    /// control tokens becomes their ids (template scaffolding only, never user content). Without it,
    /// user-defined tokens still become theirs, as in llama.cpp; `encode(segments:)` content does not.
    func encode(_ text: String, parseSpecial: Bool) -> [TokenID]

    /// The ids of consecutive segments read as one text: special tokens are parsed only inside
    /// scaffolding segments (content never yields a special token, not even a user-defined one), and
    /// plain text on both sides of a segment boundary is tokenized together.
    func encode(segments: [PromptSegment]) -> [TokenID]

    /// The bytes a token stands for when detokenized (special tokens as their text).
    func tokenBytes(_ id: TokenID) -> [UInt8]

    /// The text of `ids`, like `llama_detokenize` with special tokens rendered.
    func decode(_ ids: [TokenID]) -> String
}

/// The tokenizer the vocabulary's model calls for: byte-level BPE or SentencePiece.
public func makeTokenizer(_ vocabulary: Vocabulary) throws -> any Tokenizer {
    switch vocabulary.model {
    case .bytePairEncoding: return try BytePairTokenizer(vocabulary: vocabulary)
    case .sentencePiece: return SentencePieceTokenizer(vocabulary: vocabulary)
    }
}
