import Testing
@testable import Inference

/// llama.cpp's rules for special tokens that GGUF metadata does not spell out: the end-of-generation
/// set found by token text, tokens it promotes to control, and Phi-3's whitespace stripping.
@Suite struct SpecialTokenRulesTests {
    static func vocabulary(_ tokens: [(String, Int)], extra: [(String, GGUFValue)] = []) throws -> Vocabulary {
        try Vocabulary(metadata: HandmadeVocabularies.metadata([
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("gpt-2")),
            ("tokenizer.ggml.tokens", HandmadeVocabularies.strings(tokens.map(\.0))),
            ("tokenizer.ggml.token_type", HandmadeVocabularies.int32s(tokens.map(\.1))),
            ("tokenizer.ggml.merges", HandmadeVocabularies.strings([])),
        ] + extra))
    }

    @Test func endOfGenerationIsFoundByTextAndThoseTokensBecomeControl() throws {
        let vocabulary = try Self.vocabulary(
            [("<|begin_of_text|>", 3), ("<|eot_id|>", 1), ("<|eom_id|>", 3), ("<|fim_pad|>", 1), ("<|file_sep|>", 1),
             ("<|im_start|>", 3), ("a", 1), ("<|end_of_text|>", 3)],
            extra: [("tokenizer.ggml.bos_token_id", .uint32(0)), ("tokenizer.ggml.eos_token_id", .uint32(7))])
        #expect(vocabulary.endOfGeneration == [1, 2, 3, 4, 7])
        #expect(vocabulary.isControl(1) && vocabulary.isControl(3) && vocabulary.isControl(4))
        #expect(!vocabulary.endOfGeneration.contains(5))
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(tokenizer.encode("<|eot_id|>", parseSpecial: true) == [1])
        #expect(!tokenizer.encode("a<|eot_id|>", parseSpecial: false).contains(1))
    }

    @Test func metadataIdsWinOverTextDetection() throws {
        let vocabulary = try Self.vocabulary(
            [("<|endoftext|>", 3), ("<|eot_id|>", 3), ("<stop>", 3)],
            extra: [("tokenizer.ggml.eot_token_id", .uint32(2)), ("tokenizer.ggml.eos_token_id", .uint32(0))])
        // "<|eot_id|>" is still end-of-generation by its text; "<stop>" is by the metadata.
        #expect(vocabulary.endOfGeneration == [0, 1, 2])
    }

    @Test func phi3SpecialTokensSwallowTheWhitespaceAfterThem() throws {
        let vocabulary = try Self.vocabulary(
            [("<|user|>", 3), ("<|end|>", 3), ("<|endoftext|>", 3), ("H", 1), ("i", 1), ("Ċ", 1)],
            extra: [("general.name", .string("Phi-3 Mini 4k Instruct"))])
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(tokenizer.encode("<|user|>\nHi<|end|>\n", parseSpecial: true) == [0, 3, 4, 1])
        // `<|endoftext|>` keeps what follows it, as in llama.cpp.
        #expect(tokenizer.encode("<|endoftext|>\nH", parseSpecial: true) == [2, 5, 3])
        // Other models keep the whitespace.
        let plain = try makeTokenizer(Self.vocabulary(
            [("<|user|>", 3), ("<|end|>", 3), ("<|endoftext|>", 3), ("H", 1), ("i", 1), ("Ċ", 1)]))
        #expect(plain.encode("<|user|>\nHi", parseSpecial: true) == [0, 5, 3, 4])
    }
}
