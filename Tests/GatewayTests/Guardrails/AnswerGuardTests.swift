import Foundation
@testable import Gateway
import Tenancy
import Testing

@Suite struct AnswerGuardTests {
    private func stream(_ pieces: [String], _ settings: GuardrailSettings, session: GuardrailSession? = nil)
        -> (output: [String], guard: AnswerGuard)
    {
        var answer = AnswerGuard(session: session ?? GuardrailSession(settings: settings))
        var output = pieces.map { answer.accept($0) }
        output.append(answer.finish())
        return (output, answer)
    }

    @Test func theSameValueGetsTheSamePlaceholderWithinARequest() throws {
        let session = GuardrailSession(settings: try GuardrailSettings(pii: [.email: .redact, .phone: .redact]))
        let first = try session.screen("Mail ann@acme.com or bob@acme.com; call +49 30 1234567.", from: .client)
        let second = try session.screen("Again: bob@acme.com", from: .client)
        #expect(first.text == "Mail [EMAIL_1] or [EMAIL_2]; call [PHONE_1].")
        #expect(second.text == "Again: [EMAIL_2]")
        #expect(try GuardrailSession(settings: .off).screen("ann@acme.com", from: .client).text == "ann@acme.com")
    }

    @Test func aCardNumberSplitAcrossChunksIsRedactedAndNothingOfItLeaks() throws {
        let settings = try GuardrailSettings(pii: [.paymentCard: .redact])
        let (output, _) = stream(["Your card ", "4111 11", "11 1111", " 1111 is on file."], settings)
        #expect(output.joined() == "Your card [PAYMENT_CARD_1] is on file.")
        #expect(output[0] == "Your card ", "text that cannot be part of an entity goes at once")
        #expect(!output.contains { $0.contains("4111") || $0.contains("1111") })
    }

    /// The hold-back reads the text as the detectors do: full-width digits and lowercase IBANs
    /// split across chunks are still caught whole.
    @Test func disguisedNumbersSplitAcrossChunksAreStillRedacted() throws {
        let settings = try GuardrailSettings(pii: [.paymentCard: .redact, .iban: .redact])
        let card = stream(["Card ", "４１１１ １１", "１１ １１１１", " １１１１ on file."], settings).output
        #expect(card.joined() == "Card [PAYMENT_CARD_1] on file.")
        #expect(!card.contains { $0.contains("１") }, "\(card)")
        let iban = stream(["Pay to gb82 west ", "1234 5698 7654", " 32 today."], settings).output
        #expect(iban.joined() == "Pay to [IBAN_1] today.")
        #expect(!iban.contains { $0.contains("gb82") || $0.contains("west") || $0.contains("1234") }, "\(iban)")
    }

    /// A character that folds to no ASCII ends a word, so an answer in a language written
    /// without spaces streams as it comes (it was held whole, as one unfinished word).
    @Test func textWithoutSpacesStreams() throws {
        let settings = try GuardrailSettings(pii: [.email: .redact])
        let (output, _) = stream(["こんにちは、", "世界。メールは", "ann@acme.com", "です。"], settings)
        #expect(output == ["こんにちは、", "世界。メールは", "", "[EMAIL_1]です。", ""])
    }

    /// A word of any script written with spaces is held while it is unfinished, as an ASCII
    /// one is: a deny-list's `секрет` streamed as `сек` | `рет` was released in halves (a
    /// character that folds to no ASCII ended the word) and never matched.
    @Test func aWordOfAnotherScriptSplitAcrossChunksIsHeldWhole() throws {
        let settings = try GuardrailSettings(
            patterns: [try GuardrailPattern(name: "codenames", terms: ["секрет", "Müller"], action: .block)])
        let (cyrillic, answer) = stream(["Это сек", "рет, да."], settings)
        #expect(cyrillic.joined() == "Это " && answer.blocked != nil, "\(cyrillic)")
        let (latin, other) = stream(["Herr Mü", "ller kommt."], settings)
        #expect(latin.joined() == "Herr " && other.blocked != nil, "\(latin)")
        let (plain, _) = stream(["Привет, ", "мир."], settings)
        #expect(plain == ["Привет, ", "", "мир."], "a word is held only while it may go on")
    }

    @Test func ordinaryTextIsHeldOnlyWhileItsLastWordIsUnfinished() throws {
        let settings = try GuardrailSettings(pii: [.email: .redact])
        let (output, _) = stream(["Hello", ", world", ". How are", " you?"], settings)
        #expect(output == ["", "Hello, ", "world. How ", "are ", "you?"])
    }

    @Test func placeholdersAreRestoredWhenTheTeamAsks() throws {
        let settings = try GuardrailSettings(pii: [.email: .redact], restore: true)
        let session = GuardrailSession(settings: settings)
        #expect(try session.screen("Write to ann@acme.com", from: .client).text == "Write to [EMAIL_1]")
        let (output, _) = stream(["I will write to [EMA", "IL_1] and to [EMAIL_9], and cc eve@x.org."], settings, session: session)
        #expect(output.joined() == "I will write to ann@acme.com and to [EMAIL_9], and cc [EMAIL_2].")
    }

    /// Restoring gives back the client's own values only: a value the model wrote, or one a
    /// retrieved chunk held, gets a placeholder that stays a placeholder (a model writing
    /// `boss@corp.com … [EMAIL_1]` had the client read `[EMAIL_1] … boss@corp.com`).
    @Test func onlyTheClientsOwnValuesAreRestored() throws {
        let settings = try GuardrailSettings(pii: [.email: .redact], restore: true)
        let session = GuardrailSession(settings: settings)
        #expect(try session.screen("Write to ann@acme.com", from: .client).text == "Write to [EMAIL_1]")
        #expect(try session.screen("Owner: eve@acme.com", from: .retrieved).text == "Owner: [EMAIL_2]")
        let (output, _) = stream(["Ask boss@corp.com about [EMAIL_3], ", "[EMAIL_2] and [EMAIL_1]."], settings, session: session)
        #expect(output.joined() == "Ask [EMAIL_3] about [EMAIL_3], [EMAIL_2] and ann@acme.com.")
    }

    /// In JSON mode a placeholder stands inside a JSON string: its value goes back escaped, so
    /// a secret with quotes, backslashes or line breaks neither breaks the object nor writes
    /// keys into it (attack round 6: `", "is_admin": true, "x": "` in a private-key block).
    @Test func inJSONModeRestoredValuesAreEscapedIntoTheirString() throws {
        let settings = try GuardrailSettings(
            pii: [.secret: .redact], restore: true,
            patterns: [GuardrailPattern(name: "path", regex: #"[A-Z]:\\[A-Za-z]+"#, action: .redact)])
        let session = GuardrailSession(settings: settings)
        let key = "-----BEGIN PRIVATE KEY-----\", \"is_admin\": true, \"x\": \"\n-----END PRIVATE KEY-----"
        #expect(try session.screen("keep \(key) and C:\\Users safe", from: .client).text == "keep [SECRET_1] and [PATH_1] safe")
        var answer = AnswerGuard(session: session, restoresInJSON: true)
        let output = [answer.accept(#"{"v": "[SECRET_1]", "p": "[PA"#), answer.accept(#"TH_1]"}"#), answer.finish()].joined()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String], "\(output)")
        #expect(object == ["v": key, "p": "C:\\Users"])
        var text = AnswerGuard(session: session)
        #expect([text.accept("[PATH_1]"), text.finish()].joined() == "C:\\Users", "outside JSON mode, as it was")
    }

    @Test func aBlockedEntityEndsTheAnswerBeforeIt() throws {
        let settings = try GuardrailSettings(pii: [.iban: .block, .email: .redact])
        let (output, answer) = stream(["Send it to DE89 3704 ", "0044 0532 0130 00 please, and more."], settings)
        #expect(output.joined() == "Send it to ")
        #expect(answer.blocked?.kind == .entity(.iban) && answer.stopped)
    }

    /// Past the hold limit the guard keeps back a tail that is scanned with what follows, so a
    /// value straddling that point is caught whole (it was released in two harmless halves:
    /// the full card reached the client through a `block` rule).
    @Test func aValueStraddlingTheHoldLimitIsStillCaughtWhole() throws {
        let settings = try GuardrailSettings(pii: [.paymentCard: .block])
        let lead = String(repeating: "x", count: AnswerGuard.maximumHeld - 5) + ":"
        let (output, answer) = stream([lead, "4111111111", "111111 done"], settings)
        #expect(output.joined() == lead)
        #expect(answer.blocked?.kind == .entity(.paymentCard))
    }

    /// A long unbroken answer costs time linear in its length: the held word is not rescanned
    /// for every piece (256 KB in 4-byte pieces took 12.7 s, against 0.87 s unguarded).
    @Test func aLongUnbrokenAnswerStreamsInLinearTime() throws {
        let settings = try GuardrailSettings(pii: [.email: .redact, .paymentCard: .block])
        let piece = "abcd"
        var answer = AnswerGuard(session: GuardrailSession(settings: settings))
        var output = ""
        let elapsed = ContinuousClock().measure {
            for _ in 0..<65_536 { output += answer.accept(piece) }
            output += answer.finish()
        }
        #expect(output == String(repeating: piece, count: 65_536))
        #expect(elapsed < .seconds(2), "\(elapsed)")
    }

    @Test func anOpenPrivateKeyBlockIsHeldUntilItEnds() throws {
        let settings = try GuardrailSettings(pii: [.secret: .redact])
        let (output, _) = stream(
            ["Key:\n-----BEGIN PRIVATE KEY-----\n", "MIIEvQIBADANBg kqhkiG9w0BAQEFAASC\n", "-----END PRIVATE KEY-----\ndone"],
            settings)
        #expect(output[0] == "Key:\n" && output[1].isEmpty, "the open block waits for its end")
        #expect(output.joined() == "Key:\n[SECRET_1]\ndone")
    }

    @Test func customPatternsRedactAndBlock() throws {
        let settings = try GuardrailSettings(patterns: [
            GuardrailPattern(name: "project", regex: "PRJ-[0-9]{4}", action: .redact),
            GuardrailPattern(name: "codenames", terms: ["Bluebird"], action: .block),
        ])
        let session = GuardrailSession(settings: settings)
        let screened = try session.screen("About PRJ-1234 and bluebird.", from: .client)
        #expect(screened.text == "About [PROJECT_1] and [CODENAMES_1].")
        #expect(screened.blocked?.kind == .pattern(1))
    }
}
