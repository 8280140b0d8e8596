import Foundation
@testable import Gateway
import Testing

@Suite struct UTCMonthTests {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func calendarKey(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    @Test func theKeyIsTheCalendarsMonth() throws {
        // Every month boundary from 1900 to 2200 (leap years, centuries, 2000), a second either side.
        var start = try Date("1900-01-01T00:00:00Z", strategy: .iso8601)
        let end = try Date("2200-01-01T00:00:00Z", strategy: .iso8601)
        while start < end {
            for offset in [-1.0, 0, 1, 86_399, 15 * 86_400 + 0.5] {
                let date = start.addingTimeInterval(offset)
                #expect(UTCMonth.key(of: date) == Self.calendarKey(date), "\(date)")
            }
            start = Self.calendar.date(byAdding: .month, value: 1, to: start)!
        }
        // And random instants over the years 1600 to 9999 (before October 1582 Foundation's
        // Gregorian calendar is Julian; the key stays proleptic Gregorian there).
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: .random(in: -11_676_096_000..<253_402_300_799, using: &generator))
            #expect(UTCMonth.key(of: date) == Self.calendarKey(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func aClockOutsideFourDigitYearsStaysFourDigits() {
        #expect(UTCMonth.key(of: Date(timeIntervalSince1970: 1e15)) == "9999-12")
        #expect(UTCMonth.key(of: Date(timeIntervalSince1970: -1e15)) == "0000-01")
        #expect(UTCMonth.key(of: Date(timeIntervalSince1970: .nan)) == "1970-01")
    }
}
