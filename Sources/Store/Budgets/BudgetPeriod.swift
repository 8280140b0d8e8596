import Foundation

/// When a budget's amount applies: every calendar month (UTC), starting afresh on the 1st, or
/// once over a chosen window `[start, end)` — a quarter, a project — outside of which the
/// budget holds nothing back.
public enum BudgetPeriod: Sendable, Hashable {
    case monthly
    case window(start: Date, end: Date)

    /// The longest window: ten years.
    public static let maximumWindow: TimeInterval = 10 * 366 * 86_400

    /// A validated window: `end` after `start`, both whole milliseconds (what the store
    /// keeps), at most ``maximumWindow`` long.
    public static func between(_ start: Date, and end: Date) throws(StoreError) -> BudgetPeriod {
        let start = Date(millisecondsSince1970: start.millisecondsSince1970)
        let end = Date(millisecondsSince1970: end.millisecondsSince1970)
        guard end > start else {
            throw StoreError.invalidValue(field: "period.end", problem: "must be after period.start")
        }
        guard end.timeIntervalSince(start) <= maximumWindow, start.timeIntervalSince1970 >= 0 else {
            throw StoreError.invalidValue(field: "period", problem: "must lie after 1970 and span at most ten years")
        }
        return .window(start: start, end: end)
    }

    /// The stretch of this period that contains `date`: the calendar month around it, or the
    /// window if `date` lies in it (`nil`: the budget does not apply at `date`).
    public func current(at date: Date) -> DateInterval? {
        switch self {
        case .monthly:
            let parts = Self.calendar.dateComponents([.year, .month], from: date)
            guard let start = Self.calendar.date(from: parts),
                let end = Self.calendar.date(byAdding: .month, value: 1, to: start)
            else { return nil }
            return DateInterval(start: start, end: end)
        case let .window(start, end):
            return start <= date && date < end ? DateInterval(start: start, end: end) : nil
        }
    }

    /// `monthly` or `window`, as stored.
    var kind: String {
        switch self {
        case .monthly: "monthly"
        case .window: "window"
        }
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
