/// What kind of token a vocabulary entry is, as llama.cpp derives it from `tokenizer.ggml.token_type`
/// (plus the strip flags some models need around their special tokens).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let undefined = TokenAttributes(rawValue: 1 << 0)
    public static let unknown = TokenAttributes(rawValue: 1 << 1)
    public static let unused = TokenAttributes(rawValue: 1 << 2)
    public static let normal = TokenAttributes(rawValue: 1 << 3)
    /// Scaffolding such as `<|im_start|>`: never produced from user text, hidden when special tokens are not rendered.
    public static let control = TokenAttributes(rawValue: 1 << 4)
    /// Added by the model's authors; always split out of text, rendered as its own text.
    public static let userDefined = TokenAttributes(rawValue: 1 << 5)
    /// A byte-fallback token `<0xNN>`.
    public static let byte = TokenAttributes(rawValue: 1 << 6)
    /// Whitespace before this token is removed when it is parsed from text.
    public static let leftStrip = TokenAttributes(rawValue: 1 << 7)
    /// Whitespace after this token is removed when it is parsed from text.
    public static let rightStrip = TokenAttributes(rawValue: 1 << 8)

    /// The attributes of a GGUF token type code (llama.cpp's `LLAMA_TOKEN_TYPE_*`).
    init(ggufTokenType code: Int) {
        switch code {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = .undefined
        }
    }

    /// Tokens split out of text before the tokenizer model sees it (when special-token parsing allows).
    static let parsedFromText: TokenAttributes = [.control, .userDefined, .unknown]
}
