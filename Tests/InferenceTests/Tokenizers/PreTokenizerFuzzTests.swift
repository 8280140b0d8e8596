import Foundation
import Testing
@testable import Inference

/// The Llama 3, Qwen 2 and GPT-2 pre-tokenizers end to end: SmolLM2's vocabulary and merges with each,
/// against Hugging Face `tokenizers` on 150 random texts (`PreTokenizerFuzzFixture`).
@Suite struct PreTokenizerFuzzTests {
    static func cases() throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(PreTokenizerFuzzFixture.json.utf8))
        guard let cases = (object as? [String: Any])?["cases"] as? [[String: Any]] else {
            throw FixtureError.missing("cases in PreTokenizerFuzzFixture")
        }
        return cases
    }

    @Test(arguments: ["llama-bpe", "qwen2", "gpt-2"])
    func randomTextsTokenizeAsHuggingFace(pre: String) throws {
        var metadata = try SmolTokenizer.metadata
        metadata.append("tokenizer.ggml.pre", .string(pre))
        let tokenizer = try makeTokenizer(Vocabulary(metadata: metadata))
        let cases = try Self.cases()
        #expect(cases.count == 150)
        for item in cases {
            let text = try #require(item["text"] as? String)
            let expected = try #require(item[pre] as? [Int]).map(TokenID.init)
            #expect(tokenizer.encode(text, parseSpecial: false) == expected, "\(text.debugDescription)")
        }
    }
}
