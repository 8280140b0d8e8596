import Foundation
import Testing
@testable import Inference

/// 300 random mixes of scripts, digits, whitespace, punctuation, emoji and special-token text, against
/// Hugging Face `tokenizers` rebuilt from the GGUF (`SmolTokenizerFuzzFixture`).
@Suite struct SmolTokenizerFuzzTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [TokenID]
            let ids_parse_special: [TokenID]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(SmolTokenizerFuzzFixture.json.utf8))
    }

    @Test func randomTextsTokenizeAsHuggingFaceInBothModes() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        let cases = try Self.fixture().cases
        #expect(cases.count == 300)
        for item in cases {
            #expect(tokenizer.encode(item.text, parseSpecial: false) == item.ids, "\(item.text.debugDescription)")
            #expect(tokenizer.encode(item.text, parseSpecial: true) == item.ids_parse_special,
                    "\(item.text.debugDescription)")
        }
    }

    @Test func randomTextsRoundTripThroughDecoding() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        for item in try Self.fixture().cases {
            #expect(tokenizer.decode(item.ids) == item.text, "\(item.text.debugDescription)")
        }
    }
}
