import Foundation
import Testing
@testable import Gateway

/// Instants clients send in queries and bodies: ISO 8601 or Unix seconds within 1970…9999,
/// and nothing a lenient parser would turn into another instant.
@Suite struct InstantTests {
    @Test(arguments: [
        ("2030-01-31T12:00:00Z", 1_896_091_200.0), ("2024-02-29", 1_709_164_800), ("1700000000", 1_700_000_000),
        ("1700000000.5", 1_700_000_000.5), ("2030-01-31T12:00:00.250Z", 1_896_091_200.25),
    ])
    func acceptedForms(text: String, seconds: Double) {
        #expect(Instant.parse(text)?.timeIntervalSince1970 == seconds, "\(text)")
    }

    @Test(arguments: [
        "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31T00:00:00Z", "0x10", "1e3", "inf", "nan",
        "-5", "1e20", "", "tomorrow", "2026-1-5",
    ])
    func refusedForms(text: String) {
        #expect(Instant.parse(text) == nil, "\(text) was read as \(String(describing: Instant.parse(text)))")
    }
}
