import Foundation

/// Calendar months in UTC: the monthly token budget's period (`2026-11`), and how long until
/// the next one starts (the `Retry-After` of an exhausted budget).
enum UTCMonth {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `YYYY-MM` of the month containing `date`.
    static func key(of date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 1970, parts.month ?? 1)
    }

    /// Whole seconds from `date` to the first instant of the next month (at least 1).
    static func secondsUntilNextMonth(from date: Date) -> Int {
        let parts = calendar.dateComponents([.year, .month], from: date)
        guard let start = calendar.date(from: parts),
            let next = calendar.date(byAdding: .month, value: 1, to: start)
        else { return 1 }
        return max(1, Int(next.timeIntervalSince(date).rounded(.up)))
    }
}
