import Testing
@testable import Inference

/// The hand-written pre-tokenizer scanners against the original regexes (expected words produced with
/// Python's `regex` module, which implements `\p{L}`, `\p{N}` and lookahead as Hugging Face does).
@Suite struct PreTokenizerTests {
    static let texts = [
        "Hello world", "I'M here, they'LL go; it's 12345678 ok", "  lead\t\ttabs \n\n  trail   ", "a\r\n\r\n b",
        "x = f(1_000) + 0.5;//c", "Ünïcödé  ½ ²  é", "日本語 テキスト!!\n", " ?? ...\n\nnext", "emoji 😀👍🏽 end ",
    ]

    static func words(_ preTokenizer: PreTokenizer, _ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return preTokenizer.split(scalars.map(\.value)).map { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
    }

    func expect(_ preTokenizer: PreTokenizer, _ expected: [[String]]) {
        for (text, words) in zip(Self.texts, expected) {
            #expect(Self.words(preTokenizer, text) == words, "\(text.debugDescription)")
        }
    }

    @Test func gpt2MatchesItsRegex() {
        expect(.gpt2, [
            ["Hello", " world"],
            ["I", "'", "M", " here", ",", " they", "'", "LL", " go", ";", " it", "'s", " 12345678", " ok"],
            [" ", " lead", "\t", "\t", "tabs", " \n\n ", " trail", "   "],
            ["a", "\r\n\r\n", " b"],
            ["x", " =", " f", "(", "1", "_", "000", ")", " +", " 0", ".", "5", ";//", "c"],
            ["Ünïcödé", " ", " ½", " ²", " ", " é"],
            ["日本語", " テキスト", "!!", "\n"],
            [" ??", " ...", "\n", "\n", "next"],
            ["emoji", " 😀👍🏽", " end", " "],
        ])
    }

    @Test func smollmSplitsEveryDigitThenFollowsGPT2() {
        expect(.gpt2IndividualDigits, [
            ["Hello", " world"],
            ["I", "'", "M", " here", ",", " they", "'", "LL", " go", ";", " it", "'s", " ",
             "1", "2", "3", "4", "5", "6", "7", "8", " ok"],
            [" ", " lead", "\t", "\t", "tabs", " \n\n ", " trail", "   "],
            ["a", "\r\n\r\n", " b"],
            ["x", " =", " f", "(", "1", "_", "0", "0", "0", ")", " +", " ", "0", ".", "5", ";//", "c"],
            ["Ünïcödé", "  ", "½", " ", "²", " ", " é"],
            ["日本語", " テキスト", "!!", "\n"],
            [" ??", " ...", "\n", "\n", "next"],
            ["emoji", " 😀👍🏽", " end", " "],
        ])
    }

    @Test func llama3MatchesItsRegex() {
        expect(.llama3, [
            ["Hello", " world"],
            ["I", "'M", " here", ",", " they", "'LL", " go", ";", " it", "'s", " ", "123", "456", "78", " ok"],
            [" ", " lead", "\t", "\ttabs", " \n\n", " ", " trail", "   "],
            ["a", "\r\n\r\n", " b"],
            ["x", " =", " f", "(", "1", "_", "000", ")", " +", " ", "0", ".", "5", ";//", "c"],
            ["Ünïcödé", " ", " ", "½", " ", "²", " ", " é"],
            ["日本語", " テキスト", "!!\n"],
            [" ??", " ...\n\n", "next"],
            ["emoji", " 😀👍🏽", " end", " "],
        ])
    }

    @Test func qwen2MatchesItsRegex() {
        expect(.qwen2, [
            ["Hello", " world"],
            ["I", "'M", " here", ",", " they", "'LL", " go", ";", " it", "'s", " ",
             "1", "2", "3", "4", "5", "6", "7", "8", " ok"],
            [" ", " lead", "\t", "\ttabs", " \n\n", " ", " trail", "   "],
            ["a", "\r\n\r\n", " b"],
            ["x", " =", " f", "(", "1", "_", "0", "0", "0", ")", " +", " ", "0", ".", "5", ";//", "c"],
            ["Ünïcödé", " ", " ", "½", " ", "²", " ", " é"],
            ["日本語", " テキスト", "!!\n"],
            [" ??", " ...\n\n", "next"],
            ["emoji", " 😀👍🏽", " end", " "],
        ])
    }

    /// llama.cpp's fallback: punctuation runs first, GPT-2 inside the rest, then numbers, then ASCII digit triples.
    @Test func legacyDefaultIsolatesPunctuationAndDigitTriples() {
        #expect(Self.words(.legacyDefault, "a+b, 1234567!") == ["a", "+", "b", ",", " ", "123", "456", "7", "!"])
        #expect(Self.words(.legacyDefault, "it's x12") == ["it", "'", "s", " x", "12"])
    }

    @Test func everyScalarBelongsToExactlyOneWord() {
        let text = String(repeating: "ab  1.5 \u{3000}x\r\n", count: 50)
        for preTokenizer in [PreTokenizer.gpt2, .gpt2IndividualDigits, .llama3, .qwen2, .legacyDefault] {
            #expect(Self.words(preTokenizer, text).joined() == text)
        }
    }

    @Test func unknownPreTokenizerNameIsRefusedByName() {
        #expect(throws: VocabularyError.unknownPreTokenizer("made-up")) { try BytePairSettings.named("made-up") }
        #expect(VocabularyError.unknownPreTokenizer("made-up").description.contains("'made-up'"))
    }
}
