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
    /// Every token's bytes, for answers held to a grammar (``OutputFormat/jsonObject``).
    public let tokenTable: TokenByteTable
    public let path: String

    public init(path: String, threads: Int, chatTemplate: String? = nil, maximumChunk: Int = 512) throws {
        self.path = path
        network = try LanguageModel(path: path, threads: threads, maximumChunk: maximumChunk)
        let metadata = network.file.metadata
        let vocabulary = try Vocabulary(metadata: metadata)
        tokenizer = try makeTokenizer(vocabulary)
        tokenTable = TokenByteTable(tokenizer: tokenizer)
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

    /// The token ids of raw text (BOS first where the vocabulary asks for it).
    public func textPrompt(_ text: String) -> [TokenID] {
        let vocabulary = tokenizer.vocabulary
        let bos = vocabulary.addsBOS ? vocabulary.bos.map { [$0] } ?? [] : []
        return bos + tokenizer.encode(text, parseSpecial: false)
    }
}
