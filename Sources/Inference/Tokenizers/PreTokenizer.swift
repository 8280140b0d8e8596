/// How byte-level BPE cuts text into words before merging, as llama.cpp does for each
/// `tokenizer.ggml.pre`. The regexes are implemented by hand over Unicode scalars.
///
/// ```swift
/// let words = PreTokenizer.gpt2IndividualDigits.split(Array("in 2024".unicodeScalars.map(\.value)))
/// // "in", " ", "2", "0", "2", "4"
/// ```
enum PreTokenizer: Sendable, Equatable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Every `\p{N}` on its own, then the GPT-2 pattern (smollm, starcoder, refact, command-r, …).
    case gpt2IndividualDigits
    /// The Llama 3 pattern: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`,
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3
    /// The Llama 3 pattern with single digits (`\p{N}`), as Qwen 2 uses.
    case qwen2
    /// llama.cpp's fallback when a GGUF names no pre-tokenizer: punctuation runs, GPT-2,
    /// `\p{N}+`, then ASCII digit triples.
    case legacyDefault

    /// The word ranges of `scalars`, in order, covering every scalar.
    func split(_ scalars: [UInt32]) -> [Range<Int>] {
        let classes = scalars.map(ScalarClass.of)
        let whole = scalars.isEmpty ? [] : [0..<scalars.count]
        return scalars.withUnsafeBufferPointer { text in
            classes.withUnsafeBufferPointer { classes in
                let scanner = WordScanner(text: text, classes: classes)
                switch self {
                case .gpt2:
                    return scanner.gpt2(whole)
                case .gpt2IndividualDigits:
                    return scanner.gpt2(scanner.isolate(whole, individually: true) { _, kind in kind == .number })
                case .llama3:
                    return scanner.llama3(whole, digitGroup: 3)
                case .qwen2:
                    return scanner.llama3(whole, digitGroup: 1)
                case .legacyDefault:
                    let punctuation = scanner.isolate(whole, individually: false) { value, kind in
                        kind == .punctuation || Self.legacyPunctuationSymbols.contains(value)
                    }
                    let words = scanner.gpt2(punctuation)
                    let numbers = scanner.isolate(words, individually: false) { _, kind in kind == .number }
                    return scanner.asciiDigitTriples(numbers)
                }
            }
        }
    }

    /// The symbols `[\p{P}\$\+<=>\^~\|]+` adds to punctuation in the legacy default pattern.
    private static let legacyPunctuationSymbols: Set<UInt32> = Set("$+<=>^~|".unicodeScalars.map(\.value))
}
