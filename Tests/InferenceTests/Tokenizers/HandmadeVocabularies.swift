@testable import Inference

/// Small vocabularies written by hand as GGUF metadata, for tokenizer paths SmolLM2 does not use.
enum HandmadeVocabularies {
    static func metadata(_ entries: [(String, GGUFValue)]) -> GGUFMetadata {
        var metadata = GGUFMetadata()
        for (key, value) in entries { metadata.append(key, value) }
        return metadata
    }

    static func strings(_ values: [String]) -> GGUFValue { .array(values.map(GGUFValue.string)) }
    static func int32s(_ values: [Int]) -> GGUFValue { .array(values.map { .int32(Int32($0)) }) }
    static func float32s(_ values: [Float]) -> GGUFValue { .array(values.map(GGUFValue.float32)) }

    /// A SentencePiece vocabulary: `<unk>`, `<s>`, `</s>`, a user-defined `<tool>`, 256 byte tokens,
    /// then scored pieces that spell "Hello world".
    static let sentencePiecePieces: [(String, Float)] = [
        ("▁", -5), ("H", -6), ("e", -6), ("l", -6), ("o", -6), ("w", -6), ("r", -6), ("d", -6),
        ("ll", -2), ("He", -3), ("▁He", -1), ("llo", -1.5), ("▁Hello", -0.5), ("or", -2.5), ("▁w", -3),
        ("▁wor", -1.2), ("ld", -2.8), ("▁world", -0.4),
    ]

    static func sentencePiece(extra: [(String, GGUFValue)] = []) -> GGUFMetadata {
        let bytes = (0..<256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded(2) + ">" }
        let tokens = ["<unk>", "<s>", "</s>", "<tool>"] + bytes + sentencePiecePieces.map(\.0)
        let types = [2, 3, 3, 4] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: sentencePiecePieces.count)
        let scores = [Float](repeating: 0, count: 4 + 256) + sentencePiecePieces.map(\.1)
        return metadata([
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", strings(tokens)),
            ("tokenizer.ggml.scores", float32s(scores)),
            ("tokenizer.ggml.token_type", int32s(types)),
        ] + extra)
    }

    /// The id of a piece of `sentencePiece()`.
    static func sentencePieceID(_ text: String) -> TokenID {
        if let byte = text.hasPrefix("<0x") ? Int(text.dropFirst(3).dropLast(), radix: 16) : nil {
            return TokenID(4 + byte)
        }
        return TokenID(4 + 256 + sentencePiecePieces.firstIndex { $0.0 == text }!)
    }

    /// A byte-level BPE vocabulary over "a", "b", "c", " " whose merge "b c" makes a symbol that is not a
    /// token, and whose token "ca" no merge reaches.
    static func bytePair(pre: String? = "gpt-2", extra: [(String, GGUFValue)] = []) -> GGUFMetadata {
        var entries: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.tokens", strings(["<|endoftext|>", "a", "b", "c", "Ġ", "abc", "Ġa", "ab", "ca"])),
            ("tokenizer.ggml.token_type", int32s([3, 1, 1, 1, 1, 1, 1, 1, 1])),
            ("tokenizer.ggml.merges", strings(["b c", "a bc", "Ġ a", "a b"])),
        ]
        if let pre { entries.append(("tokenizer.ggml.pre", .string(pre))) }
        return metadata(entries + extra)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
