import Foundation

/// Calendar months in UTC: the monthly token budget's period (`2026-11`), and how long until
/// the next one starts (the `Retry-After` of an exhausted budget).
enum UTCMonth {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `YYYY-MM` of the month containing `date` (years 0 to 9999; outside, the nearest).
    ///
    /// Every request asks this for its limits, so it is arithmetic on the day number
    /// (Hinnant's `civil_from_days`), not a `Calendar` lookup and `String(format:)` — those
    /// were 1.5 % of a short request's CPU. `UTCMonthTests` holds it to the calendar's answer.
    static func key(of date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let bounded = seconds.isFinite ? min(max(seconds, -62_167_219_200), 253_402_300_799) : 0
        let days = Int((bounded / 86_400).rounded(.down))
        // Days since 0000-03-01, in eras of 400 years (146,097 days).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let digits: [UInt8] = [
            UInt8(ascii: "0") + UInt8(year / 1000), UInt8(ascii: "0") + UInt8(year / 100 % 10),
            UInt8(ascii: "0") + UInt8(year / 10 % 10), UInt8(ascii: "0") + UInt8(year % 10), UInt8(ascii: "-"),
            UInt8(ascii: "0") + UInt8(month / 10), UInt8(ascii: "0") + UInt8(month % 10),
        ]
        return String(decoding: digits, as: UTF8.self)
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
