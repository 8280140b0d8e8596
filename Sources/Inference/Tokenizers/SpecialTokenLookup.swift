/// Finds a vocabulary's special tokens the way llama.cpp does: ids from metadata when present and
/// in range, otherwise llama.cpp's defaults or its detection by token text.
struct SpecialTokenLookup {
    let metadata: GGUFMetadata
    let idsByText: [TokenText: TokenID]
    let count: Int

    /// The id under `key` when it names a token, else `fallback` when that names one.
    func id(_ key: String, default fallback: TokenID?) -> TokenID? {
        if let value = metadata.integer(key), value >= 0, value < count { return TokenID(value) }
        guard let fallback, fallback >= 0, Int(fallback) < count else { return nil }
        return fallback
    }

    /// llama.cpp's end-of-generation set. Tokens found by their text are marked control, as llama.cpp
    /// does, so their text in user content is never parsed as the token.
    func endOfGeneration(eos: TokenID?, tokens: [String], attributes: inout [TokenAttributes]) -> Set<TokenID> {
        var detected: [String: TokenID] = [:]
        for (role, texts) in Self.detectedRoles {
            let key = "tokenizer.ggml.\(role)_token_id"
            if let found = id(key, default: nil) {
                detected[role] = found
            } else if let found = texts.compactMap({ idsByText[TokenText($0)] }).min() {
                detected[role] = found
                attributes[Int(found)].insert(.control)
            }
        }
        var ids = Set(["fim_pad", "fim_rep", "fim_sep", "eot", "eom"].compactMap { detected[$0] })
        if let eos { ids.insert(eos) }
        for text in Self.endOfGenerationTexts {
            guard let found = idsByText[TokenText(text)] else { continue }
            ids.insert(found)
            attributes[Int(found)].insert(.control)
        }
        // gpt-oss and solar-open end a message with `<|end|>` but go on generating after it.
        let texts = Set(ids.map { tokens[Int($0)] })
        if let end = idsByText[TokenText("<|end|>")], ids.contains(end),
            texts.contains("<|call|>") || texts.contains("<|calls|>"),
            texts.contains("<|return|>") || texts.contains("<|flush|>")
        {
            ids.remove(end)
            attributes[Int(end)] = .userDefined
        }
        // Gemma 4 and PaddleOCR use `</s>` inside a turn.
        if texts.contains("<|tool_response>"), let closing = idsByText[TokenText("</s>")], ids.contains(closing) {
            ids.remove(closing)
            attributes[Int(closing)] = .normal
        }
        return ids
    }

    /// Per-model token attributes llama.cpp sets by name: gpt-oss renders its channel tokens as text,
    /// and Phi-3 strips whitespace after its special tokens.
    func applyModelQuirks(modelName: String?, attributes: inout [TokenAttributes]) {
        for text in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let found = idsByText[TokenText(text)] { attributes[Int(found)] = .userDefined }
        }
        let name = modelName?.lowercased() ?? ""
        guard name.contains("phi-3") || name.contains("phi3") else { return }
        for index in attributes.indices where !attributes[index].isDisjoint(with: TokenAttributes.parsedFromText) {
            attributes[index].insert(.rightStrip)
        }
        if let closing = idsByText[TokenText("</s>")] { attributes[Int(closing)].insert(.rightStrip) }
        for text in ["<unk>", "<s>", "<|endoftext|>"] {
            if let found = idsByText[TokenText(text)] { attributes[Int(found)].remove(.rightStrip) }
        }
    }

    /// Special roles llama.cpp detects by text when the metadata does not name them.
    private static let detectedRoles: [(String, [String])] = [
        ("eot", ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                 "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]),
        ("eom", ["<|eom_id|>"]),
        ("fim_pre", ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
                     "<|code_prefix|>", "<|prefix|>"]),
        ("fim_suf", ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
                     "<|code_suffix|>", "<|suffix|>"]),
        ("fim_mid", ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
                     "<|code_middle|>", "<|middle|>"]),
        ("fim_pad", ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]),
        ("fim_rep", ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]),
        ("fim_sep", ["<|file_sep|>"]),
    ]

    /// Token texts that end a generation wherever they appear in a vocabulary.
    private static let endOfGenerationTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]
}
