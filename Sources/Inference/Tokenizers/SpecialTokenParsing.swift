/// Which special tokens written in text become their ids.
enum SpecialTokenParsing: Sendable {
    /// Every special token: template scaffolding.
    case all
    /// Only user-defined tokens, which llama.cpp (like Hugging Face) always splits out:
    /// `llama_tokenize` with `parse_special = false`.
    case userDefinedOnly
    /// None: message content, where no text may turn into a token of the template.
    case none

    init(parseSpecial: Bool) { self = parseSpecial ? .all : .userDefinedOnly }

    init(_ kind: PromptSegment.Kind) { self = kind == .scaffolding ? .all : .none }
}
