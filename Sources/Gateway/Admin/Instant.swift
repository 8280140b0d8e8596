import Foundation

/// Instants in query strings and bodies: ISO 8601 (with or without fractional seconds, or a
/// date alone: its start, UTC) or Unix seconds — always between 1970-01-01 and the end of
/// year 9999, so no instant a client sends can overflow the store's millisecond integers
/// (`1e16` seconds is 1e19 ms, past `Int64.max`).
public enum Instant {
    /// The Unix seconds a client may name: 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z.
    public static let seconds: ClosedRange<Double> = 0...253_402_300_799

    /// The instant `text` names, or `nil` when it is not one or lies outside ``seconds``.
    public static func parse(_ text: String) -> Date? {
        guard let date = unbounded(text) else { return nil }
        return bounded(date.timeIntervalSince1970)
    }

    /// `seconds` since 1970 as a date, or `nil` outside ``seconds`` (NaN included).
    public static func bounded(_ seconds: Double) -> Date? {
        guard Self.seconds.contains(seconds) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// How a refusal describes the accepted forms.
    public static let expected =
        "an ISO 8601 time (2030-01-31T12:00:00Z) or Unix seconds, between 1970 and 9999"

    private static func unbounded(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        // Unix seconds in decimal digits only: `Double` would also read `0x10`, `1e3` and `inf`.
        if text.utf8.allSatisfy({ $0 &- 0x30 < 10 || $0 == 0x2E }), let seconds = Double(text) {
            return seconds.isFinite ? Date(timeIntervalSince1970: seconds) : nil
        }
        // The parser rolls a day past its month's end over (2026-02-30 is March 2): refused.
        guard isCalendarDate(text.prefix(10)) else { return nil }
        if text.count == 10, let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Whether `text` is `YYYY-MM-DD` naming a day that exists.
    private static func isCalendarDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.map(\.count) == [4, 2, 2],
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 &- 0x30 < 10 } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month),
            day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
