import Foundation

/// A GGUF model ready to chat: the network, its tokenizer, its chat template and the tokens
/// that end a turn. What `atrium generate` and the embedded serving backend load.
///
/// ```swift
/// let local = try LocalModel(path: "SmolLM2-135M-Instruct.Q4_1.gguf", threads: 2)
/// let prompt = try local.chatPrompt([.user("What is the capital of France?")])
/// ```
public final class LocalModel: Sendable {
    public let network: LanguageModel
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate
    /// End-of-generation ids: the vocabulary's and the template's end-of-turn token.
    public let endOfGeneration: Set<TokenID>
    public let path: String

    public init(path: String, threads: Int, chatTemplate: String? = nil, maximumChunk: Int = 512) throws {
        self.path = path
        network = try LanguageModel(path: path, threads: threads, maximumChunk: maximumChunk)
        let metadata = network.file.metadata
        let vocabulary = try Vocabulary(metadata: metadata)
        tokenizer = try makeTokenizer(vocabulary)
        // Base GGUFs of a chat family (Gemma 3 270M) ship without a template: use the family's.
        let fallback = metadata.string("tokenizer.chat_template") == nil && network.architecture == .gemma3 ? "gemma" : nil
        template = try ChatTemplate(metadata: metadata, override: chatTemplate ?? fallback)
        var endOfGeneration = vocabulary.endOfGeneration
        if let endOfTurn = template.endOfTurn, let id = vocabulary.id(of: endOfTurn) { endOfGeneration.insert(id) }
        self.endOfGeneration = endOfGeneration
    }

    /// The token ids of a conversation rendered with the template, ready for the assistant's turn.
    /// Message content is never parsed for special tokens.
    public func chatPrompt(_ messages: [ChatMessage]) throws -> [TokenID] {
        tokenizer.encode(try template.render(messages, addGenerationPrompt: true))
    }

    /// How many leading tokens of `prompt` (the rendering of `messages`) every conversation
    /// with the same system turns shares: the system turns as the template renders them — or
    /// the template's own default system turn when there is none — and the header of the first
    /// turn after them. The serving engine keeps those tokens' states per team, so requests
    /// that send no system message at all skip recomputing the default one too.
    ///
    /// Found by rendering the system turns and a next turn whose content is a marker: what the
    /// template writes before the marker (its last occurrence) is the shared text, whatever
    /// the template's shape (Gemma's, which puts the system text inside the first user turn,
    /// included). 0 when the tokens of that text are not exactly the start of `prompt`, or are
    /// all of it (at least one token must be computed for the logits that start generation).
    /// The engine's cache keys hold the team and these exact tokens, so a prefix is only ever
    /// the states of the very tokens the request starts with.
    public func reusablePrefixLength(of messages: [ChatMessage], prompt: [TokenID]) -> Int {
        let system = messages.prefix { $0.role == "system" }
        guard system.count < messages.count else { return 0 }
        let marker = "atrium-turn-content-0x5f3759df"
        let probe = Array(system) + [ChatMessage(role: messages[system.count].role, content: marker)]
        guard let rendered = try? template.render(probe, addGenerationPrompt: false) else { return 0 }
        // The last occurrence: a system text may spell the marker too.
        guard let last = rendered.segments.lastIndex(where: { $0.text.contains(marker) }),
              let cut = rendered.segments[last].text.range(of: marker, options: .backwards)
        else { return 0 }
        let segment = rendered.segments[last]
        let shared = Array(rendered.segments[..<last])
            + [PromptSegment(segment.kind, String(segment.text[..<cut.lowerBound]))]
        let prefix = tokenizer.encode(RenderedPrompt(segments: shared))
        guard !prefix.isEmpty, prefix.count < prompt.count, prompt.starts(with: prefix) else { return 0 }
        return prefix.count
    }

    /// The token ids of raw text (BOS first where the vocabulary asks for it).
    public func textPrompt(_ text: String) -> [TokenID] {
        let vocabulary = tokenizer.vocabulary
        let bos = vocabulary.addsBOS ? vocabulary.bos.map { [$0] } ?? [] : []
        return bos + tokenizer.encode(text, parseSpecial: false)
    }
}
