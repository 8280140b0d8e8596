import Testing
@testable import Inference

/// Streamed deltas never break a multi-byte character, and join to the whole text.
@Suite struct StreamingDetokenizerTests {
    @Test(arguments: ["Emoji: 😀👍🏽🇫🇷 ❤️", "日本語のテキストです。", "中文测试：你好，世界！", "Привет мир Γεια σου"])
    func deltasAreWholeCharactersAndJoinToTheText(text: String) throws {
        let tokenizer = try SmolTokenizer.tokenizer
        let ids = tokenizer.encode(text, parseSpecial: false)
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        let deltas = ids.map { detokenizer.append($0) }
        #expect(deltas.joined() + detokenizer.flush() == text)
        #expect(!deltas.joined().unicodeScalars.contains("\u{FFFD}"))
        // Some token ends inside a character for these scripts, so some delta had to wait.
        let tokensEndingMidCharacter = ids.filter { String(validating: tokenizer.tokenBytes($0), as: UTF8.self) == nil }
        #expect(!tokensEndingMidCharacter.isEmpty)
    }

    @Test func byteTokensOfOneEmojiEmitOnlyOnTheLastByte() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        let deltas = ["<0xF0>", "<0x9F>", "<0x98>", "<0x80>"].map {
            detokenizer.append(HandmadeVocabularies.sentencePieceID($0))
        }
        #expect(deltas == ["", "", "", "😀"])
    }

    @Test func anUnfinishedCharacterAtTheEndFlushesAsReplacement() throws {
        let tokenizer = try makeTokenizer(Vocabulary(metadata: HandmadeVocabularies.sentencePiece()))
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(detokenizer.append(HandmadeVocabularies.sentencePieceID("▁Hello")) == " Hello")
        #expect(detokenizer.append(HandmadeVocabularies.sentencePieceID("<0xE4>")) == "")
        #expect(detokenizer.flush() == "\u{FFFD}")
        #expect(detokenizer.flush() == "")
    }

    @Test func controlTokensShowOnlyWhenAsked() throws {
        let tokenizer = try SmolTokenizer.tokenizer
        var hidden = StreamingDetokenizer(tokenizer: tokenizer)
        var shown = StreamingDetokenizer(tokenizer: tokenizer, rendersControlTokens: true)
        #expect(hidden.append(1) == "")
        #expect(shown.append(1) == "<|im_start|>")
    }

    @Test func unfinishedSuffixLengths() {
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0x41]) == 0)
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0x41, 0xF0]) == 1)
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0xF0, 0x9F, 0x98]) == 3)
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0xF0, 0x9F, 0x98, 0x80]) == 0)
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0xE4, 0xBD]) == 2)
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0x80, 0x80]) == 0)  // no lead byte: never valid
        #expect(StreamingDetokenizer.unfinishedSuffixLength([0xFF]) == 0)
    }
}
