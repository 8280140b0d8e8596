import Testing
@testable import Inference

/// llama.cpp's `clean_spaces` detokenization pass (expected values from a line-by-line Python port of it).
@Suite struct SpaceCleanupTests {
    static func clean(_ text: String) -> String {
        String(decoding: SpaceCleanup.apply(Array(text.utf8)), as: UTF8.self)
    }

    @Test func removesSpacesAsLlamaCppDoes() {
        #expect(Self.clean("Hello , world ! it 's ok . ' quoted ' don 't we 're I 'm you 'll they 've")
            == "Hello, world! it's ok.'quoted'don 't we're I'm you 'll they've")
        #expect(Self.clean("a ' ' b") == "a'' b")
        #expect(Self.clean(" ?x") == "?x")
        #expect(Self.clean("end .") == "end.")
        #expect(Self.clean("") == "")
    }

    @Test func appliesToVocabulariesWhosePreTokenizerAsksForIt() throws {
        var metadata = try SmolTokenizer.metadata
        let smol = try SmolTokenizer.tokenizer
        let ids = smol.encode("Hello , world !", parseSpecial: false)
        #expect(smol.decode(ids) == "Hello , world !")  // smollm: no cleanup
        metadata.append("tokenizer.ggml.pre", .string("gpt-2"))
        let gpt2 = try makeTokenizer(Vocabulary(metadata: metadata))
        #expect(gpt2.decode(ids) == "Hello, world!")
    }
}
