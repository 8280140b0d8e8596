import Foundation

/// Calendar days and months in UTC, the ledger's buckets (`2026-11-29`, `2026-11`).
enum UTCDay {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func day(of date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// `YYYY-MM`: days of the month share it as their prefix.
    static func month(of date: Date) -> String {
        String(day(of: date).prefix(7))
    }
}
