/// The chat prompt families Atrium renders, recognized from distinctive text of a Jinja template
/// (the idea of llama.cpp's `llm_chat_detect_template`).
enum ChatFormat: String, Sendable, CaseIterable {
    case chatml
    case llama3
    case gemma
    case mistral
    case llama2
    case phi3
    case zephyr

    /// The family a Jinja template source belongs to, or nil.
    static func detect(in template: String) -> ChatFormat? {
        func has(_ text: String) -> Bool { template.contains(text) }
        if has("<|im_start|>") { return .chatml }
        if has("<|start_header_id|>"), has("<|end_header_id|>") { return .llama3 }
        if has("<start_of_turn>") { return .gemma }
        if has("[INST]") { return has("<<SYS>>") ? .llama2 : .mistral }
        if has("<|assistant|>"), has("<|end|>") { return .phi3 }
        if has("<|user|>"), has("<|assistant|>") { return .zephyr }
        return nil
    }

    /// Whether the family's template raises unless a system message comes first and user and
    /// assistant messages then alternate, starting with user.
    var requiresAlternation: Bool {
        switch self {
        case .gemma, .mistral, .llama2: return true
        case .chatml, .llama3, .phi3, .zephyr: return false
        }
    }

    /// The conventional BOS and EOS texts, for a GGUF that does not name its BOS or EOS token.
    var conventionalBOS: String {
        switch self {
        case .llama3: return "<|begin_of_text|>"
        case .gemma: return "<bos>"
        case .mistral, .llama2: return "<s>"
        case .chatml, .phi3, .zephyr: return ""
        }
    }

    var conventionalEOS: String {
        switch self {
        case .llama3: return "<|eot_id|>"
        case .gemma: return "<eos>"
        case .mistral, .llama2, .zephyr: return "</s>"
        case .chatml: return "<|im_end|>"
        case .phi3: return "<|endoftext|>"
        }
    }
}
