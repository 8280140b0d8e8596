import Testing
@testable import Inference

/// SentencePiece and BPE paths on handwritten vocabularies: merge order, byte fallback, space prefix,
/// user-defined tokens, merges through symbols the vocabulary lacks, and refused metadata.
@Suite struct HandmadeTokenizerTests {
    let piece = HandmadeVocabularies.sentencePieceID

    @Test func sentencePieceMergesHighestScoreFirst() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        #expect(tokenizer.encode("Hello world", parseSpecial: false) == [piece("▁Hello"), piece("▁world")])
        #expect(tokenizer.decode([piece("▁Hello"), piece("▁world")]) == "Hello world")
    }

    @Test func sentencePieceFallsBackToByteTokens() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        let ids = tokenizer.encode("Hi é", parseSpecial: false)
        #expect(ids == [piece("▁"), piece("H"), piece("<0x69>"), piece("▁"), piece("<0xC3>"), piece("<0xA9>")])
        #expect(tokenizer.decode(ids) == "Hi é")
    }

    @Test func sentencePiecePrefixesASpaceAfterEachSpecialToken() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        #expect(tokenizer.encode("<s>Hello</s>world", parseSpecial: true)
            == [1, piece("▁Hello"), 2, piece("▁world")])
        let plain = tokenizer.encode("<s>Hello</s>", parseSpecial: false)
        #expect(!plain.contains(1) && !plain.contains(2))
        #expect(tokenizer.decode(plain) == "<s>Hello</s>")
    }

    @Test func userDefinedTokensAreSplitEvenWithoutSpecialParsing() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        #expect(tokenizer.encode("Hello<tool>world", parseSpecial: false) == [piece("▁Hello"), 3, piece("▁world")])
    }

    @Test func addSpacePrefixFalseIsHonoured() throws {
        let metadata = HandmadeVocabularies.sentencePiece(extra: [("tokenizer.ggml.add_space_prefix", .bool(false))])
        let tokenizer = try makeTokenizer(Vocabulary(metadata: metadata))
        #expect(tokenizer.encode("He", parseSpecial: false) == [piece("He")])
        #expect(tokenizer.decode([piece("▁Hello")]) == " Hello")
    }

    @Test func sentencePieceDefaultsFollowLlamaCpp() throws {
        let vocabulary = try Vocabulary(metadata: HandmadeVocabularies.sentencePiece())
        #expect(vocabulary.model == .sentencePiece)
        #expect(vocabulary.bos == 1 && vocabulary.eos == 2 && vocabulary.unknown == 0)
        #expect(vocabulary.addsBOS && !vocabulary.addsEOS && vocabulary.addsSpacePrefix)
        #expect(vocabulary.endOfGeneration == [2])
        #expect(vocabulary.isControl(1) && !vocabulary.isControl(3))
    }

    @Test func bytePairMergesThroughASymbolTheVocabularyLacks() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.bytePair()))
        // "b c" makes "bc" (no token), "a bc" makes "abc": llama.cpp's string-keyed merges do the same.
        #expect(tokenizer.encode("abc", parseSpecial: false) == [5])
        // A word left as the untokenized "bc" falls back to its single-character tokens.
        #expect(tokenizer.encode("bc", parseSpecial: false) == [2, 3])
        #expect(tokenizer.encode(" a", parseSpecial: false) == [6])
        #expect(tokenizer.decode([6, 5]) == " aabc")
    }

    @Test func llama3PreTokenizerEmitsWholeTokensWithoutMerging() throws {
        // No merge reaches the token "ca"; Llama 3 vocabularies take a word that is a token whole.
        let gpt2 = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.bytePair()))
        #expect(gpt2.encode("ca", parseSpecial: false) == [3, 1])
        let metadata = HandmadeVocabularies.bytePair(pre: "llama-bpe", extra: [("tokenizer.ggml.bos_token_id", .uint32(0))])
        let llama3 = try makeTokenizer(Vocabulary(metadata: metadata))
        #expect(llama3.encode("ca", parseSpecial: false) == [8])
        #expect(llama3.vocabulary.addsBOS)
        #expect(llama3.vocabulary.bos == 0)
    }

    @Test func bytePairDefaultsFollowLlamaCpp() throws {
        // llama.cpp's BPE default BOS/EOS id 11 lies outside this vocabulary, so there is none.
        let vocabulary = try Vocabulary(metadata: HandmadeVocabularies.bytePair())
        #expect(vocabulary.bos == nil && vocabulary.eos == nil && !vocabulary.addsBOS)
        #expect(vocabulary.endOfGeneration == [0])
        #expect(throws: VocabularyError.specialTokenMissing(
            flag: "tokenizer.ggml.add_bos_token", idKey: "tokenizer.ggml.bos_token_id")) {
            try Vocabulary(metadata: HandmadeVocabularies.bytePair(pre: "llama-bpe"))
        }
    }

    @Test func refusedMetadataNamesTheProblem() {
        #expect(throws: VocabularyError.missingKey("tokenizer.ggml.model")) {
            try Vocabulary(metadata: HandmadeVocabularies.metadata([]))
        }
        #expect(throws: VocabularyError.unsupportedModel("rwkv")) {
            try Vocabulary(metadata: HandmadeVocabularies.metadata([("tokenizer.ggml.model", .string("rwkv"))]))
        }
        #expect(throws: VocabularyError.unknownPreTokenizer("nonesuch")) {
            try Vocabulary(metadata: HandmadeVocabularies.bytePair(pre: "nonesuch"))
        }
        #expect(throws: VocabularyError.missingKey("tokenizer.ggml.merges")) {
            try Vocabulary(metadata: HandmadeVocabularies.metadata([
                ("tokenizer.ggml.model", .string("gpt2")),
                ("tokenizer.ggml.tokens", HandmadeVocabularies.strings(["a"])),
            ]))
        }
        #expect(throws: VocabularyError.duplicateToken(text: "a", first: 0, second: 1)) {
            try Vocabulary(metadata: HandmadeVocabularies.metadata([
                ("tokenizer.ggml.model", .string("llama")),
                ("tokenizer.ggml.tokens", HandmadeVocabularies.strings(["a", "a"])),
            ]))
        }
        #expect(throws: VocabularyError.wrongType(key: "tokenizer.ggml.tokens", expected: "an array of strings")) {
            try Vocabulary(metadata: HandmadeVocabularies.metadata([
                ("tokenizer.ggml.model", .string("llama")),
                ("tokenizer.ggml.tokens", .array([.string("a"), .int32(7)])),
            ]))
        }
        #expect(throws: VocabularyError.emptyVocabulary) {
            try Vocabulary(metadata: HandmadeVocabularies.metadata([
                ("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .array([])),
            ]))
        }
        #expect(throws: VocabularyError.lengthMismatch(key: "tokenizer.ggml.token_type", expected: 9, found: 2)) {
            try Vocabulary(metadata: HandmadeVocabularies.bytePair(extra: [
                ("tokenizer.ggml.token_type", HandmadeVocabularies.int32s([1, 1]))
            ]))
        }
    }
}
