import Foundation
import Testing
@testable import Inference

/// The WordPiece tokenizer against the ids sentence-transformers feeds all-MiniLM-L6-v2.
@Suite struct WordPieceTokenizerTests {
    static let reference = Fixtures.miniLMReference.appendingPathComponent("tokenization.json")

    private func loadTokenizer() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(folder: Fixtures.miniLMFolderPath, maxLength: 256)
    }

    @Test func everyReferenceCaseIsExact() throws {
        let tokenizer = try loadTokenizer()
        let reference = try Fixtures.json(Self.reference)
        #expect(reference["max_seq_length"] as? Int == tokenizer.maxLength)
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 36)
        for item in cases {
            let name = item["name"] as! String
            let encoding = tokenizer.encode(item["text"] as! String)
            #expect(encoding.ids.map(Int.init) == item["input_ids"] as! [Int], "\(name)")
            #expect(encoding.attentionMask.map(Int.init) == item["attention_mask"] as! [Int], "\(name)")
            #expect(encoding.tokenTypeIDs.map(Int.init) == item["token_type_ids"] as! [Int], "\(name)")
            #expect(encoding.untruncatedCount == item["num_tokens_untruncated"] as? Int, "\(name)")
            #expect(encoding.isTruncated == item["truncated"] as? Bool, "\(name)")
            #expect(encoding.ids.map { tokenizer.tokens[Int($0)] } == item["tokens"] as! [String], "\(name)")
            #expect(tokenizer.countTokens(item["text"] as! String) == item["num_tokens_untruncated"] as? Int, "\(name)")
        }
    }

    /// The ASCII shortcut of BERT's whitespace test answers as Unicode's White_Space property
    /// (plus tab, newline, return) for every ASCII scalar and for the non-ASCII spaces.
    @Test func whitespaceShortcutAgreesWithTheUnicodeProperty() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            let expected = scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
            #expect(BertNormalizer.isWhitespace(scalar) == expected, "U+\(String(value, radix: 16))")
        }
        for space in ["\u{85}", "\u{A0}", "\u{2003}", "\u{3000}"] as [Unicode.Scalar] { #expect(BertNormalizer.isWhitespace(space)) }
        for other in ["\u{200B}", "é", "\u{1F44D}"] as [Unicode.Scalar] { #expect(!BertNormalizer.isWhitespace(other)) }
    }

    @Test func truncationKeepsSeparatorLast() throws {
        let tokenizer = try WordPieceTokenizer(folder: Fixtures.miniLMFolderPath, maxLength: 5)
        let encoding = tokenizer.encode("one two three four five six")
        #expect(encoding.ids.count == 5)
        #expect(encoding.ids.first == tokenizer.classifierID)
        #expect(encoding.ids.last == tokenizer.separatorID)
        #expect(encoding.untruncatedCount == 8)
        #expect(encoding.isTruncated)
    }

    @Test func vocabularyFromTokenizerJSONMatchesVocabFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = URL(fileURLWithPath: try Fixtures.miniLMFolderPath)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let fromJSON = try WordPieceTokenizer(folder: folder.path, maxLength: 256)
        let fromVocab = try loadTokenizer()
        #expect(fromJSON.tokens == fromVocab.tokens)
        let text = "[CLS] Café naïve: the 北京 tokenizer’s “quotes” [MASK]"
        #expect(fromJSON.encode(text) == fromVocab.encode(text))
    }

    @Test func folderWithoutVocabularyIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: WordPieceError.noVocabulary(folder: folder.path)) {
            try WordPieceTokenizer(folder: folder.path, maxLength: 256)
        }
    }

    @Test func vocabularyWithoutUnknownTokenIsRefused() {
        #expect(throws: WordPieceError.missingToken("[UNK]")) {
            try WordPieceTokenizer(tokens: ["[CLS]", "[SEP]", "hello"], maxLength: 16)
        }
    }
}
