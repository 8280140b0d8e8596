import Foundation
import Tenancy

/// Which alerts to read (`GET /v1/admin/alerts?team=&since=&until=&before=&limit=`), newest
/// first. `before` pages back: the id of the last alert of the previous page.
public struct AlertFilter: Sendable, Hashable {
    public static let maximumLimit = 1000

    public let team: TeamID?
    /// Inclusive lower bound.
    public let since: Date?
    /// Exclusive upper bound.
    public let until: Date?
    /// Only alerts with a smaller id (older than that alert).
    public let before: Int64?
    public let limit: Int

    public init(team: TeamID? = nil, since: Date? = nil, until: Date? = nil, before: Int64? = nil, limit: Int = 100)
        throws
    {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw StoreError.invalidValue(field: "limit", problem: "must be 1 to \(Self.maximumLimit), not \(limit)")
        }
        if let before, before < 1 { throw StoreError.invalidValue(field: "before", problem: "must be an alert id") }
        self.team = team
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}
