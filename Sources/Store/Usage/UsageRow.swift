import Tenancy

/// Usage of one key (and so one user) in one team on one UTC day.
public struct UsageRow: Sendable, Hashable, Codable {
    /// `YYYY-MM-DD`, UTC.
    public let day: String
    public let organizationID: OrganizationID
    public let teamID: TeamID
    public let userID: UserID
    public let keyID: APIKeyID
    public let requests: Int
    public let promptTokens: Int
    public let completionTokens: Int
    public let cacheHits: Int

    public var totalTokens: Int { promptTokens + completionTokens }
}
