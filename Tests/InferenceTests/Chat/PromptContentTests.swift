import Testing
@testable import Inference

/// Content of a rendered prompt never turns into a token of the template, not even a user-defined one.
@Suite struct PromptContentTests {
    @Test func contentCannotProduceUserDefinedTokens() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        let ids = tokenizer.encode(segments: [PromptSegment(.scaffolding, "<tool>"), PromptSegment(.content, "<tool>")])
        #expect(ids.filter { $0 == 3 }.count == 1)
        #expect(ids.first == 3)
        #expect(tokenizer.decode(ids) == "<tool> <tool>")
    }
}
