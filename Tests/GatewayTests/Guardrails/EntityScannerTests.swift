import Foundation
@testable import Gateway
import Tenancy
import Testing

@Suite struct EntityScannerTests {
    private func scan(_ text: String, _ settings: GuardrailSettings) throws -> [GuardrailHit] {
        var budget = 1_000_000
        var scratch = BoundedRegex.Scratch()
        return try EntityScanner(settings: settings).scan(Array(text.utf8), budget: &budget, scratch: &scratch)
    }

    /// A type left at `allow` claims no text: a team's block pattern overlapping an allowed
    /// email or IP address fires (it never did), and where a block and a redaction overlap,
    /// the block wins (a block pattern over a redacted email was only redacted).
    @Test func allowedTypesHideNoPatternAndABlockWinsOverARedaction() throws {
        let patterns = [
            try GuardrailPattern(name: "project", regex: #"[a-z.]+@secret-project\.com"#, action: .block),
            try GuardrailPattern(name: "codenames", terms: ["bluebird"], action: .block),
            try GuardrailPattern(name: "lab", regex: #"10\.66\.[0-9]+\.[0-9]+"#, action: .block),
        ]
        let allowing = try GuardrailSettings(patterns: patterns)
        let redacting = try GuardrailSettings(pii: [.email: .redact, .ipAddress: .redact], patterns: patterns)
        for settings in [allowing, redacting] {
            #expect(try scan("mail alice@secret-project.com", settings).map(\.kind) == [.pattern(0)])
            #expect(try scan("mail bluebird@example.com", settings).map(\.kind) == [.pattern(1)])
            #expect(try scan("host 10.66.1.2", settings).map(\.kind) == [.pattern(2)])
        }
        #expect(try scan("mail bob@example.com, host 10.1.1.1", allowing).isEmpty)
        #expect(try scan("mail bob@example.com", redacting).map(\.kind) == [.entity(.email)])
        // Among the types, priority still decides what a string is: an allowed card number is
        // not a redacted phone number.
        let phones = try GuardrailSettings(pii: [.phone: .redact])
        #expect(try scan("card 4111 1111 1111 1111", phones).isEmpty)
        #expect(try scan("call +44 20 7946 0958", phones).map(\.kind) == [.entity(.phone)])
    }

    /// A request's patterns cost their steps and little else: one-letter texts against 31
    /// patterns of 8,002 instructions take about as long as against 31 small ones. Fresh
    /// thread lists per call made every call pay its pattern's size outside the step budget
    /// (a 930 KB request of 31,000 one-letter messages took 7.1 s, stalling other teams).
    @Test func aLargePatternCostsNothingExtraPerScanOfAShortText() throws {
        func settings(_ body: String) throws -> GuardrailSettings {
            try GuardrailSettings(
                patterns: (0..<31).map { try GuardrailPattern(name: "p\($0)", regex: "q\($0)" + body, action: .redact) })
        }
        func time(_ settings: GuardrailSettings) throws -> Duration {
            let session = GuardrailSession(settings: settings)
            let text = Array("x".utf8)
            let start = ContinuousClock.now
            for _ in 0..<1_000 { #expect(try session.scan(text).isEmpty) }
            return start.duration(to: .now)
        }
        let small = try settings("a")
        let large = try settings("(?:a{100}){80}")
        _ = try (time(small), time(large))  // warm-up
        let (smallTime, largeTime) = try (time(small), time(large))
        #expect(largeTime < smallTime * 4 + .milliseconds(50), "large \(largeTime), small \(smallTime)")
    }

    /// A deny-list within the documented limits no longer breaks the team's own traffic: as one
    /// regular expression, 200 terms cost ~900 steps a byte of the request's 5 M, refused a
    /// 5.6 KB prompt and cut a 5.3 KB streamed answer at 3 KB.
    @Test func aLongDenyListSpendsNoBudget() throws {
        let terms = (0..<200).map { "w" + String(String(1000 + $0).dropFirst()) }  // w000 … w199
        let settings = try GuardrailSettings(
            patterns: [GuardrailPattern(name: "codenames", terms: terms, action: .block)])
        let prose = String(repeating: "the quick brown fox jumps over the lazy dog ", count: 500)  // 22 KB
        let session = GuardrailSession(settings: settings)
        #expect(try session.screen(prose, from: .client).hits.isEmpty)
        #expect(try session.screen(prose + "W199", from: .client).blocked != nil)
        var answer = AnswerGuard(session: session)
        var streamed = ""
        var rest = prose[...]
        while !rest.isEmpty {
            streamed += answer.accept(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        streamed += answer.finish()
        #expect(streamed == prose && !answer.stopped)
    }
}
