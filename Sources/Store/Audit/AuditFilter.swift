import Foundation
import Tenancy

/// Which audit records to read (`GET /v1/admin/audit?team=&since=&limit=`), newest first.
public struct AuditFilter: Sendable, Hashable {
    public static let maximumLimit = 1000

    public let team: TeamID?
    /// Inclusive lower bound.
    public let since: Date?
    /// Exclusive upper bound.
    public let until: Date?
    public let limit: Int

    public init(team: TeamID? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 100) throws {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw StoreError.invalidValue(field: "limit", problem: "must be 1 to \(Self.maximumLimit), not \(limit)")
        }
        self.team = team
        self.since = since
        self.until = until
        self.limit = limit
    }
}
