/// A chat prompt as the template wrote it, in segments that know whether they are template
/// scaffolding or message content, so content is tokenized without special-token parsing.
///
/// ```swift
/// let prompt = try template.render([.user("Hi")], addGenerationPrompt: true)
/// prompt.text                       // "<|im_start|>system\n…<|im_start|>assistant\n"
/// let ids = tokenizer.encode(prompt) // no BOS added: templates that want one write it
/// ```
public struct RenderedPrompt: Sendable, Equatable {
    public private(set) var segments: [PromptSegment] = []

    public init(segments: [PromptSegment] = []) {
        for segment in segments { append(segment) }
    }

    /// The whole prompt text.
    public var text: String { segments.map(\.text).joined() }

    mutating func scaffold(_ text: String) { append(PromptSegment(.scaffolding, text)) }

    mutating func content(_ text: String) { append(PromptSegment(.content, text)) }

    /// Appends a segment, joining it to the last one when they are of the same kind.
    mutating func append(_ segment: PromptSegment) {
        guard !segment.text.isEmpty else { return }
        if let last = segments.last, last.kind == segment.kind {
            segments[segments.count - 1].text += segment.text
        } else {
            segments.append(segment)
        }
    }
}

extension Tokenizer {
    /// The ids of a rendered prompt: special tokens are parsed in scaffolding only, so message content
    /// that spells `<|im_start|>system` stays ordinary text. No BOS is added.
    public func encode(_ prompt: RenderedPrompt) -> [TokenID] {
        encode(segments: prompt.segments)
    }
}
