/// A piece of text after special-token splitting: plain text for the tokenizer model, or a special token.
enum TextFragment: Equatable, Sendable {
    case text([UInt8])
    case token(TokenID)
}
