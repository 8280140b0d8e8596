import Foundation
import Store
import Testing

@Suite struct UTCDayTests {
    @Test func daysMatchTheGregorianCalendarInUTC() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Every ~3.7 days from 1900 to 2200, across leap years and century rules, and around midnight.
        var seconds = -2_208_988_800.0
        while seconds < 7_258_118_400 {
            for offset in [0.0, 86_399.999] {
                let date = Date(timeIntervalSince1970: seconds + offset)
                let parts = calendar.dateComponents([.year, .month, .day], from: date)
                let expected = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
                #expect(UTCDay.day(of: date) == expected)
            }
            seconds += 86_400 * 3.7
        }
        #expect(UTCDay.day(of: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
        #expect(UTCDay.month(of: Date(timeIntervalSince1970: 951_782_400)) == "2000-02")
    }

    /// Dates no client can name through the API, but a date the store computes must never trap
    /// converting to a day number: outside years 0…9999 the nearest day.
    @Test func extremeDatesTakeTheNearestDay() {
        #expect(UTCDay.day(of: Date(timeIntervalSince1970: 1e300)) == "9999-12-31")
        #expect(UTCDay.day(of: Date(timeIntervalSince1970: -1e300)) == "0000-01-01")
        #expect(UTCDay.day(of: .distantFuture) == "4001-01-01")
        #expect(UTCDay.day(of: Date(timeIntervalSince1970: .nan)) == "1970-01-01")
    }
}
