import Foundation
import Tenancy

/// Which usage to read (`GET /v1/admin/usage?team=&since=`), by UTC day.
public struct UsageFilter: Sendable, Hashable {
    public let team: TeamID?
    /// First day included (the UTC day containing it).
    public let since: Date?
    /// Last day included (the UTC day containing it).
    public let until: Date?

    public init(team: TeamID? = nil, since: Date? = nil, until: Date? = nil) {
        self.team = team
        self.since = since
        self.until = until
    }
}
