import Foundation
@testable import Gateway
import Tenancy
import Testing

@Suite struct EntityScannerTests {
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
}
