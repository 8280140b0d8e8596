/// What an action is about.
public enum Resource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The platform itself: organizations, metrics, owner keys.
    case platform
    /// One organization: its teams and org admins.
    case organization(OrganizationID)
    /// One team: its members, keys, profile, limits, audit, usage and data.
    case team(TeamReference)
    /// The list of users, which every administrator adds people from.
    case userDirectory

    public var description: String {
        switch self {
        case .platform: "platform"
        case let .organization(id): "org:\(id)"
        case let .team(team): "team:\(team.id)"
        case .userDirectory: "users"
        }
    }
}
