import Tenancy
import Testing

/// A team's deny-list is read as the text is: through the guardrails' folding, in any case of
/// any script, as whole words, at a cost that does not grow with the number of terms.
@Suite struct TermMatcherTests {
    /// What `terms` find in `text`, as the text wrote it.
    private func found(_ terms: [String], in text: String) throws -> [String] {
        let original = Array(text.utf8)
        let folded = FoldedText(original)
        let ranges = try TermMatcher(terms).matches(in: TermKeys(folded: folded.bytes))
        return ranges.map { String(decoding: original[folded.originalRange($0)], as: UTF8.self) }
    }

    /// Cyrillic and Greek terms never matched (the text was folded, the terms were not) and only
    /// ASCII letters ignored case: `MÜLLER`, `ακρως` and `это секрет` passed a block list.
    @Test func termsOfAnyScriptMatchInAnyCase() throws {
        let terms = ["секрет", "пароль", "Müller", "ΑΚΡΩΣ", "вода"]
        #expect(try found(terms, in: "это секрет, мой ПАРОЛЬ") == ["секрет", "ПАРОЛЬ"])
        #expect(try found(terms, in: "ΑΚΡΩΣ ακρως Ακρως") == ["ΑΚΡΩΣ", "ακρως", "Ακρως"])
        #expect(try found(terms, in: "Herr MÜLLER und Herr Müller") == ["MÜLLER", "Müller"])
        #expect(try found(terms, in: "ВОДА Вода вода") == ["ВОДА", "Вода", "вода"])
    }

    @Test func disguisedTermsStillMatch() throws {
        let terms = ["bluebird", "секрет"]
        for text in [
            "the ВLUEBIRD plan", "the Blu\u{0435}bird plan", "the 𝐛𝐥𝐮𝐞𝐛𝐢𝐫𝐝 plan", "the blue\u{200B}bird plan",
            "the ＢＬＵＥＢＩＲＤ plan", "the blue\u{FE0F}bird plan",
        ] {
            #expect(try found(terms, in: text).count == 1, "\(text)")
        }
        #expect(try found(terms, in: "это СЕК\u{034F}РЕТ") == ["СЕК\u{034F}РЕТ"])
    }

    /// A term ending in a letter of any script needs a non-letter after it: `секрет` is not in
    /// `секретарь`, nor `caf` in `café` (an ASCII-only `\b` took `é` for a boundary). In scripts
    /// written without spaces a term is found wherever it stands.
    @Test func termsMatchWholeWordsLeftmostLongest() throws {
        #expect(try found(["a.b (c)", "cat"], in: "A.B (C) and axb (c), concat, Cat.") == ["A.B (C)", "Cat"])
        #expect(try found(["секрет", "caf"], in: "секретарь, café, caf_e, caf.") == ["caf"])
        #expect(try found(["blue", "blue bird"], in: "blue bird, bluebird, blue.") == ["blue bird", "blue"])
        #expect(try found(["-x", "x-"], in: "a-xy ax- b-x. x-") == ["-x", "x-"])
        #expect(try found(["秘密"], in: "これは秘密です") == ["秘密"])
    }

    /// The documented limits could not be reached: 256 short terms made a regular expression
    /// over its 2,048-byte limit, refused as `guardrails.patterns.regex`, a field never sent.
    @Test func theDocumentedLimitsAreReachableAndTheirErrorNamesTerms() throws {
        let longest = (0..<GuardrailPattern.maximumTerms).map { index in
            String(repeating: "é", count: GuardrailPattern.maximumTermLength / 2 - 2) + "\(index + 1000)"
        }
        #expect(longest.allSatisfy { $0.utf8.count == GuardrailPattern.maximumTermLength })
        let pattern = try GuardrailPattern(name: "codenames", terms: longest, action: .block)
        guard case let .terms(matcher) = pattern.matcher else {
            Issue.record("terms compiled to \(pattern.matcher)")
            return
        }
        let text = Array(("say " + longest[255] + ".").utf8)
        #expect(matcher.matches(in: TermKeys(folded: text)) == [4..<132])
        for terms in [longest + ["one more"], ["x", String(repeating: "y", count: 129)], ["\u{200B}"]] {
            let error = #expect(throws: ProfileError.self) {
                try GuardrailPattern(name: "codenames", terms: terms, action: .block)
            }
            #expect(error?.field == "guardrails.patterns.terms")
        }
    }
}
