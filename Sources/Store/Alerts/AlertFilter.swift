import Foundation
import Tenancy

/// Which alerts to read (`GET /v1/admin/alerts?team=&since=&limit=`), newest first.
public struct AlertFilter: Sendable, Hashable {
    public static let maximumLimit = 1000

    public let team: TeamID?
    /// Inclusive lower bound.
    public let since: Date?
    public let limit: Int

    public init(team: TeamID? = nil, since: Date? = nil, limit: Int = 100) throws {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw StoreError.invalidValue(field: "limit", problem: "must be 1 to \(Self.maximumLimit), not \(limit)")
        }
        self.team = team
        self.since = since
        self.limit = limit
    }
}
