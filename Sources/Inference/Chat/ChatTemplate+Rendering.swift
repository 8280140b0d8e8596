/// The renderers of each family, each following its reference Jinja template.
extension ChatTemplate {
    /// The prompt for `messages`; `addGenerationPrompt` opens the assistant's turn.
    /// Throws for an empty conversation, an unknown role, or an order the template refuses.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> RenderedPrompt {
        try validate(messages)
        var prompt = RenderedPrompt()
        switch format {
        case .chatml: renderChatML(messages, into: &prompt)
        case .llama3: renderLlama3(messages, into: &prompt)
        case .gemma: renderGemma(messages, into: &prompt)
        case .mistral: renderMistral(messages, into: &prompt)
        case .llama2: renderLlama2(messages, into: &prompt)
        case .phi3, .zephyr: renderRoleTags(messages, into: &prompt)
        }
        if addGenerationPrompt { prompt.scaffold(generationPrompt) }
        if format == .phi3, !addGenerationPrompt { prompt.scaffold(eosText) }
        return prompt
    }

    private static let roles: Set<String> = ["system", "user", "assistant"]

    private func validate(_ messages: [ChatMessage]) throws {
        guard !messages.isEmpty else { throw ChatTemplateError.noMessages }
        for (index, message) in messages.enumerated() where !Self.roles.contains(message.role) {
            throw ChatTemplateError.unknownRole(message.role, index: index)
        }
        guard format.requiresAlternation else { return }
        let offset = messages[0].role == "system" ? 1 : 0
        for (index, message) in messages.enumerated().dropFirst(offset) {
            if message.role == "system" { throw ChatTemplateError.systemMessageNotFirst(index: index) }
            if (message.role == "user") != ((index - offset) % 2 == 0) {
                throw ChatTemplateError.rolesMustAlternate(index: index, role: message.role)
            }
        }
    }

    private var generationPrompt: String {
        switch format {
        case .chatml: return "<|im_start|>assistant\n"
        case .llama3: return "<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .gemma: return "<start_of_turn>model\n"
        case .phi3, .zephyr: return "<|assistant|>\n"
        case .mistral, .llama2: return ""  // the prompt already ends with [/INST]
        }
    }

    /// `<|im_start|>{role}\n{content}<|im_end|>\n`, after the template's default system turn when the
    /// conversation opens without a system message.
    private func renderChatML(_ messages: [ChatMessage], into prompt: inout RenderedPrompt) {
        if let defaultSystemPrompt, messages[0].role != "system" {
            prompt.scaffold("<|im_start|>system\n\(defaultSystemPrompt)<|im_end|>\n")
        }
        for message in messages {
            prompt.scaffold("<|im_start|>\(message.role)\n")
            prompt.content(message.content)
            prompt.scaffold("<|im_end|>\n")
        }
    }

    /// BOS, then `<|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>`.
    private func renderLlama3(_ messages: [ChatMessage], into prompt: inout RenderedPrompt) {
        prompt.scaffold(bosText)
        for message in messages {
            prompt.scaffold("<|start_header_id|>\(message.role)<|end_header_id|>\n\n")
            prompt.content(Self.trimmed(message.content))
            prompt.scaffold("<|eot_id|>")
        }
    }

    /// Gemma 3: BOS, a system message becomes the start of the first user turn,
    /// `<start_of_turn>{user|model}\n{content | trim}<end_of_turn>\n`.
    private func renderGemma(_ messages: [ChatMessage], into prompt: inout RenderedPrompt) {
        prompt.scaffold(bosText)
        let system = messages[0].role == "system" ? messages[0].content : nil
        for (index, message) in messages.dropFirst(system == nil ? 0 : 1).enumerated() {
            prompt.scaffold("<start_of_turn>\(message.role == "assistant" ? "model" : message.role)\n")
            if index == 0, let system {
                prompt.content(system)
                prompt.scaffold("\n\n")
            }
            prompt.content(Self.trimmed(message.content))
            prompt.scaffold("<end_of_turn>\n")
        }
    }

    /// Mistral: BOS, `[INST] {user} [/INST]{answer}</s>` (later templates: ` [INST] … [/INST] {answer}</s>`);
    /// a system message opens the first user message, separated by a blank line.
    private func renderMistral(_ messages: [ChatMessage], into prompt: inout RenderedPrompt) {
        prompt.scaffold(bosText)
        let system = messages[0].role == "system" ? messages[0].content : nil
        for (index, message) in messages.dropFirst(system == nil ? 0 : 1).enumerated() {
            if message.role == "user" {
                prompt.scaffold(spacedInstructions ? " [INST] " : "[INST] ")
                if index == 0, let system {
                    prompt.content(system)
                    prompt.scaffold("\n\n")
                }
                prompt.content(message.content)
                prompt.scaffold(" [/INST]")
            } else {
                if spacedInstructions { prompt.scaffold(" ") }
                prompt.content(message.content)
                prompt.scaffold(eosText)
            }
        }
    }

    /// Llama 2: `<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>`, each message stripped.
    private func renderLlama2(_ messages: [ChatMessage], into prompt: inout RenderedPrompt) {
        let system = messages[0].role == "system" ? messages[0].content : nil
        for (index, message) in messages.dropFirst(system == nil ? 0 : 1).enumerated() {
            var body = RenderedPrompt()
            if index == 0, let system {
                body.scaffold("<<SYS>>\n")
                body.content(system)
                body.scaffold("\n<</SYS>>\n\n")
            }
            body.content(message.content)
            let stripped = Self.stripped(body)
            if message.role == "user" {
                prompt.scaffold(bosText + "[INST] ")
                stripped.segments.forEach { prompt.append($0) }
                prompt.scaffold(" [/INST]")
            } else {
                prompt.scaffold(" ")
                stripped.segments.forEach { prompt.append($0) }
                prompt.scaffold(" " + eosText)
            }
        }
    }

    /// Phi-3 `<|{role}|>\n{content}<|end|>\n` and Zephyr `<|{role}|>\n{content}{eos}\n`.
    private func renderRoleTags(_ messages: [ChatMessage], into prompt: inout RenderedPrompt) {
        let close = format == .phi3 ? "<|end|>\n" : eosText + "\n"
        for message in messages {
            prompt.scaffold("<|\(message.role)|>\n")
            prompt.content(message.content)
            prompt.scaffold(close)
        }
    }

    /// Jinja's `trim` / Python's `strip()`: whitespace removed from both ends.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// `strip()` of text made of several segments: whitespace leaves the ends, whichever segments hold it.
    private static func stripped(_ prompt: RenderedPrompt) -> RenderedPrompt {
        var segments = prompt.segments
        while let first = segments.first {
            let kept = String(first.text.unicodeScalars.drop { $0.properties.isWhitespace })
            if kept.isEmpty { segments.removeFirst() } else { segments[0].text = kept; break }
        }
        while let last = segments.last {
            var scalars = last.text.unicodeScalars
            while let end = scalars.last, end.properties.isWhitespace { scalars.removeLast() }
            if scalars.isEmpty { segments.removeLast() } else { segments[segments.count - 1].text = String(scalars); break }
        }
        return RenderedPrompt(segments: segments)
    }
}
