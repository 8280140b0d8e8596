import Foundation
@testable import Inference

/// The SmolLM2 vocabulary and tokenizer, loaded once for all tokenizer and chat tests.
enum SmolTokenizer {
    private static let loaded: Result<(GGUFMetadata, any Tokenizer), any Error> = Result {
        let file = try GGUFFile(path: Fixtures.smolModelPath)
        return (file.metadata, try makeTokenizer(Vocabulary(metadata: file.metadata)))
    }

    static var tokenizer: any Tokenizer { get throws { try loaded.get().1 } }
    static var metadata: GGUFMetadata { get throws { try loaded.get().0 } }

    /// One case of tokenization.json.
    struct Case {
        let name: String
        let text: String
        let ids: [TokenID]
        let idsParseSpecial: [TokenID]
        let vocabStrings: [String]
        let detokenized: String
        let detokenizedParseSpecial: String
        let detokenizedParseSpecialHidden: String
    }

    static func reference() throws -> [String: Any] {
        try Fixtures.json(Fixtures.smolReference.appendingPathComponent("tokenization.json"))
    }

    static func cases() throws -> [Case] {
        guard let cases = try reference()["cases"] as? [[String: Any]] else {
            throw FixtureError.missing("cases in tokenization.json")
        }
        return cases.map { entry in
            Case(
                name: entry["name"] as! String,
                text: entry["text"] as! String,
                ids: (entry["ids"] as! [Int]).map(TokenID.init),
                idsParseSpecial: (entry["ids_parse_special"] as! [Int]).map(TokenID.init),
                vocabStrings: entry["vocab_strings"] as! [String],
                detokenized: entry["detokenized"] as! String,
                detokenizedParseSpecial: entry["detokenized_parse_special_ids"] as! String,
                detokenizedParseSpecialHidden: entry["detokenized_parse_special_ids_unparse_false"] as! String)
        }
    }
}
