/// The settings of a BERT WordPiece tokenizer; the defaults are BERT-base-uncased's.
public struct WordPieceConfiguration: Sendable, Equatable {
    public var lowercase = true
    /// `nil` follows `lowercase`, as Hugging Face does when `strip_accents` is null.
    public var stripAccents: Bool? = nil
    public var splitChineseCharacters = true
    public var cleanText = true
    public var unknownToken = "[UNK]"
    public var classifierToken = "[CLS]"
    public var separatorToken = "[SEP]"
    public var continuationPrefix = "##"
    /// Words longer than this many Unicode scalars become one `[UNK]`.
    public var maxCharactersPerWord = 100
    /// Tokens matched literally in raw text, before normalization.
    public var specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    public init() {}
}
