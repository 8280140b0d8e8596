/// What a byte-level BPE vocabulary's `tokenizer.ggml.pre` means, following llama.cpp's table.
struct BytePairSettings: Sendable, Equatable {
    let preTokenizer: PreTokenizer
    /// A word that is already a token is emitted whole, without merging (Llama 3).
    let ignoresMerges: Bool
    /// Detokenization removes the space before `?!.,` and some contractions (HF's `clean_up_tokenization_spaces`).
    let cleansSpaces: Bool
    /// Whether BOS is added when the GGUF has no `tokenizer.ggml.add_bos_token`.
    let addsBOSByDefault: Bool

    init(_ preTokenizer: PreTokenizer, ignoresMerges: Bool = false, cleansSpaces: Bool = true, addsBOS: Bool = false) {
        self.preTokenizer = preTokenizer
        self.ignoresMerges = ignoresMerges
        self.cleansSpaces = cleansSpaces
        addsBOSByDefault = addsBOS
    }

    /// The settings for a pre-tokenizer name; a GGUF without one gets llama.cpp's legacy default.
    static func named(_ name: String?) throws -> BytePairSettings {
        guard let name else { return BytePairSettings(.legacyDefault) }
        guard let settings = table[name] else { throw VocabularyError.unknownPreTokenizer(name) }
        return settings
    }

    static var knownNames: [String] { Array(table.keys) }

    private static let table: [String: BytePairSettings] = {
        var table: [String: BytePairSettings] = ["default": BytePairSettings(.legacyDefault)]
        let llama3 = BytePairSettings(.llama3, ignoresMerges: true, addsBOS: true)
        for name in ["llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "lfm2"] { table[name] = llama3 }
        for name in ["dbrx", "smaug-bpe"] { table[name] = BytePairSettings(.llama3) }
        for name in ["gpt-2", "gpt2", "phi-2", "mpt", "olmo", "jais", "exaone4", "mellum", "gigachat"] {
            table[name] = BytePairSettings(.gpt2)
        }
        for name in ["starcoder", "refact", "codeshell", "exaone", "minerva-7b"] {
            table[name] = BytePairSettings(.gpt2IndividualDigits)
        }
        for name in ["smollm", "command-r"] { table[name] = BytePairSettings(.gpt2IndividualDigits, cleansSpaces: false) }
        for name in ["qwen2", "deepseek-r1-qwen"] { table[name] = BytePairSettings(.qwen2, cleansSpaces: false) }
        for name in ["stablelm2", "megrez"] { table[name] = BytePairSettings(.qwen2) }
        return table
    }()
}
