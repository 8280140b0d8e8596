import Foundation

/// Calendar days and months in UTC, the ledger's buckets (`2026-11-29`, `2026-11`).
///
/// Computed with integer arithmetic (Hinnant's days-to-civil algorithm) rather than
/// `Calendar` and `String(format:)`: the gateway stamps every request with its day.
public enum UTCDay {
    /// `YYYY-MM-DD` of `date` in UTC.
    /// (Years 0 to 9999; outside, the nearest: the conversion to a day number must not trap.)
    public static func day(of date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let bounded = seconds.isFinite ? min(max(seconds, -62_167_219_200), 253_402_300_799) : 0
        let (year, month, day) = civil(daysSinceEpoch: Int((bounded / 86_400).rounded(.down)))
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// `YYYY-MM`: days of the month share it as their prefix.
    public static func month(of date: Date) -> String {
        String(day(of: date).prefix(7))
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    static func civil(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
