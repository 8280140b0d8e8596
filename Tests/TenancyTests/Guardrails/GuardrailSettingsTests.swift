import Foundation
import Tenancy
import Testing

@Suite struct GuardrailSettingsTests {
    private func decode(_ json: String) throws -> PromptProfile {
        try JSONDecoder().decode(PromptProfile.self, from: Data(json.utf8))
    }

    @Test func aProfileRoundTripsItsGuardrails() throws {
        let profile = try decode("""
            {"guardrails": {"pii": {"email": "redact", "payment_card": "redact", "iban": "block"}, "restore": true,
             "injection": {"input": "flag", "sources": "drop_chunk"},
             "patterns": [{"name": "project", "regex": "PRJ-[0-9]{4}", "action": "redact"},
                          {"name": "codenames", "terms": ["bluebird"], "action": "block"}]}}
            """)
        let guardrails = profile.guardrails
        #expect(guardrails.action(for: .email) == .redact && guardrails.action(for: .iban) == .block)
        #expect(guardrails.action(for: .phone) == .allow && guardrails.restore)
        #expect(guardrails.injection.input == .flag && guardrails.injection.sources == .dropChunk)
        #expect(guardrails.patterns.map(\.name) == ["project", "codenames"])
        let again = try JSONDecoder().decode(PromptProfile.self, from: JSONEncoder().encode(profile))
        #expect(again == profile)
        #expect(try decode("{}").guardrails == .off && !GuardrailSettings.off.screensAnswers)
    }

    @Test func badGuardrailsFailWhenSavedNamingTheField() throws {
        let cases: [(String, String)] = [
            (#"{"pii": {"passport": "redact"}}"#, "guardrails.pii"),
            (#"{"pii": {"email": "mask"}}"#, "guardrails.pii.email"),
            (#"{"injection": {"input": "drop_chunk"}}"#, "guardrails.injection.input"),
            (#"{"injection": {"sources": "maybe"}}"#, "guardrails.injection.sources"),
            (#"{"patterns": [{"name": "x", "regex": "(a+)+$", "action": "redact"}]}"#, "guardrails.patterns.regex"),
            (#"{"patterns": [{"name": "Bad Name", "regex": "x", "action": "redact"}]}"#, "guardrails.patterns.name"),
            (#"{"patterns": [{"name": "email", "regex": "x", "action": "redact"}]}"#, "guardrails.patterns.name"),
            (#"{"patterns": [{"name": "x", "regex": "x", "action": "allow"}]}"#, "guardrails.patterns.action"),
            (#"{"patterns": [{"name": "x", "action": "block"}]}"#, "guardrails.patterns"),
            (#"{"patterns": [{"name": "x", "regex": "a", "action": "block"}, {"name": "x", "regex": "b", "action": "block"}]}"#,
             "guardrails.patterns"),
        ]
        for (guardrails, field) in cases {
            do {
                _ = try decode(#"{"guardrails": \#(guardrails)}"#)
                Issue.record("accepted \(guardrails)")
            } catch let error as ProfileError {
                #expect(error.field == field, "\(guardrails): \(error)")
            } catch let DecodingError.dataCorrupted(context) {
                let error = try #require(context.underlyingError as? ProfileError, "\(guardrails)")
                #expect(error.field == field, "\(guardrails): \(error)")
            }
        }
    }
}
