import Tenancy

/// Usage added up over one group (one team, user, key or UTC day) within a filter. Only the
/// fields that are constant over the group are set: a key's row names its team and user, a
/// team's row its organization, a day's row neither.
public struct UsageSummary: Sendable, Hashable {
    public let grouping: UsageGrouping
    /// `YYYY-MM-DD` (grouped by day).
    public let day: String?
    public let organizationID: OrganizationID?
    public let teamID: TeamID?
    public let teamName: String?
    public let userID: UserID?
    public let userName: String?
    public let keyID: APIKeyID?
    /// The key's display prefix (grouped by key).
    public let keyPrefix: String?
    public let requests: Int
    public let promptTokens: Int
    public let completionTokens: Int
    public let cacheHits: Int

    public var totalTokens: Int { promptTokens + completionTokens }

    /// The group's label for people: the day, the team or user name, the key prefix (or the
    /// id when the named record is gone).
    public var label: String {
        switch grouping {
        case .day: day ?? "?"
        case .team: teamName ?? teamID?.rawValue ?? "?"
        case .user: userName ?? userID?.rawValue ?? "?"
        case .key: keyPrefix ?? keyID?.rawValue ?? "?"
        }
    }
}
