import Foundation
import Testing
@testable import Inference

/// SmolLM2's byte-level BPE tokenizer against llama.cpp's tokenization of the 31 reference strings.
@Suite struct SmolTokenizerTests {
    @Test func everyCaseMatchesLlamaCppWithoutSpecialParsing() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        for item in try SmolTokenizer.cases() {
            #expect(tokenizer.encode(item.text, parseSpecial: false) == item.ids, "\(item.name)")
        }
    }

    @Test func everyCaseMatchesLlamaCppWithSpecialParsing() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        for item in try SmolTokenizer.cases() {
            #expect(tokenizer.encode(item.text, parseSpecial: true) == item.idsParseSpecial, "\(item.name)")
        }
    }

    @Test func tokensSpellTheReferenceVocabularyStrings() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        for item in try SmolTokenizer.cases() {
            #expect(item.ids.map(tokenizer.vocabulary.text(of:)) == item.vocabStrings, "\(item.name)")
        }
    }

    @Test func decodingMatchesLlamaDetokenize() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        for item in try SmolTokenizer.cases() {
            #expect(tokenizer.decode(item.ids) == item.detokenized, "\(item.name)")
            #expect(tokenizer.decode(item.idsParseSpecial) == item.detokenizedParseSpecial, "\(item.name)")
        }
    }

    @Test func streamingWithoutControlTokensMatchesDetokenizeWithoutSpecials() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        for item in try SmolTokenizer.cases() {
            var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
            let text = item.idsParseSpecial.map { detokenizer.append($0) }.joined() + detokenizer.flush()
            #expect(text == item.detokenizedParseSpecialHidden, "\(item.name)")
        }
    }

    @Test func specialTokensMatchLlamaCpp() throws {
        let vocabulary = try SmolTokenizer.tokenizer.vocabulary
        let reference = try SmolTokenizer.reference()
        #expect(vocabulary.count == reference["n_vocab"] as? Int)
        #expect(vocabulary.bos == 1)
        #expect(vocabulary.eos == 2)
        #expect(vocabulary.addsBOS == false)
        #expect(vocabulary.addsEOS == false)
        #expect(vocabulary.endOfGeneration == [0, 2, 4])
        let control = (0..<TokenID(vocabulary.count)).filter(vocabulary.isControl)
        #expect(control == (reference["control_token_ids"] as? [Int])?.map(TokenID.init))
        let texts = try #require(reference["control_token_texts"] as? [String: String])
        for (id, text) in texts { #expect(vocabulary.text(of: TokenID(id)!) == text) }
    }

    @Test func unknownIdsHaveNoTextAndNoBytes() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        #expect(tokenizer.vocabulary.text(of: -1) == "")
        #expect(tokenizer.vocabulary.text(of: 49_152) == "")
        #expect(tokenizer.tokenBytes(49_152) == [])
        #expect(tokenizer.decode([49_152, 19556]) == "Hello")
    }
}
