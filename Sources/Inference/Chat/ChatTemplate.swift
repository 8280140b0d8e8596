/// Renders conversations the way a GGUF's `tokenizer.chat_template` does, for the families Atrium
/// knows (ChatML, Llama 3, Gemma, Mistral, Llama 2, Phi-3, Zephyr). The Jinja source is recognized,
/// not interpreted; a template's default system prompt (SmolLM2, Qwen) is read from its text.
///
/// ```swift
/// let template = try ChatTemplate(metadata: file.metadata)          // or override: "llama3"
/// let prompt = try template.render([.user("What is the capital of France?")], addGenerationPrompt: true)
/// let ids = tokenizer.encode(prompt)
/// ```
public struct ChatTemplate: Sendable {
    /// The names `--chat-template` accepts.
    public static let knownNames: [String] = ChatFormat.allCases.map(\.rawValue)

    /// The family name (one of `knownNames`).
    public let name: String
    let format: ChatFormat
    /// The system prompt the template inserts when a conversation starts without one.
    let defaultSystemPrompt: String?
    /// Mistral's later templates write `' [INST] '` and `' ' + answer`, the first ones `'[INST] '`.
    let spacedInstructions: Bool
    let bosText: String
    let eosText: String

    /// Recognizes the GGUF's template, or uses the family `name` names instead.
    public init(metadata: GGUFMetadata, override name: String? = nil) throws {
        let source = metadata.string(Vocabulary.Key.chatTemplate)
        let format: ChatFormat
        if let name {
            guard let named = ChatFormat(rawValue: name.lowercased()) else {
                throw ChatTemplateError.unknownTemplateName(name)
            }
            format = named
        } else {
            guard let source else { throw ChatTemplateError.missingTemplate }
            guard let detected = ChatFormat.detect(in: source) else {
                throw ChatTemplateError.unrecognizedTemplate(excerpt: String(source.prefix(80)))
            }
            format = detected
        }
        // An override replaces the model's template, and with it the template's own default prompt.
        let template = name == nil ? source ?? "" : ""
        self.init(
            format: format,
            defaultSystemPrompt: format == .chatml ? Self.defaultChatMLSystemPrompt(in: template) : nil,
            spacedInstructions: template.contains("' [INST] '"),
            bosText: Self.tokenText(metadata, idKey: Vocabulary.Key.bos) ?? format.conventionalBOS,
            eosText: Self.tokenText(metadata, idKey: Vocabulary.Key.eos) ?? format.conventionalEOS)
    }

    init(format: ChatFormat, defaultSystemPrompt: String?, spacedInstructions: Bool, bosText: String, eosText: String) {
        name = format.rawValue
        self.format = format
        self.defaultSystemPrompt = defaultSystemPrompt
        self.spacedInstructions = spacedInstructions
        self.bosText = bosText
        self.eosText = eosText
    }

    /// The text that closes an assistant turn (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, …).
    public var endOfTurn: String? {
        switch format {
        case .chatml: return "<|im_end|>"
        case .llama3: return "<|eot_id|>"
        case .gemma: return "<end_of_turn>"
        case .phi3: return "<|end|>"
        case .mistral, .llama2, .zephyr: return eosText.isEmpty ? nil : eosText
        }
    }

    /// The text of the token a metadata id key names, if both exist.
    private static func tokenText(_ metadata: GGUFMetadata, idKey: String) -> String? {
        guard let id = metadata.integer(idKey), let tokens = metadata[Vocabulary.Key.tokens]?.array,
            tokens.indices.contains(id)
        else { return nil }
        return tokens[id].string
    }

    /// The literal system turn a ChatML template writes when the conversation has none, as in
    /// `'<|im_start|>system\nYou are a helpful AI assistant named SmolLM, …<|im_end|>\n'`.
    static func defaultChatMLSystemPrompt(in template: String) -> String? {
        let marker = "<|im_start|>system"
        var rest = Substring(template)
        while let start = rest.firstRange(of: marker) {
            rest = rest[start.upperBound...]
            if let prompt = JinjaLiteral.text(in: rest, droppingLeadingNewline: true, until: "<|im_end|>"),
                !prompt.isEmpty
            {
                return prompt
            }
        }
        return nil
    }
}
