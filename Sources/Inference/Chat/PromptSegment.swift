/// A run of prompt text and whether it is template scaffolding (where special-token text is parsed
/// into special tokens) or content (user, system or document text, where it never is).
public struct PromptSegment: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case scaffolding
        case content
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}
