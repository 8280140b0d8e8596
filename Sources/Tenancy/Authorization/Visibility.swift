/// How much of a team-partitioned record set (audit, usage, keys) a principal may read.
public enum Visibility: Sendable, Hashable {
    /// Nothing at all.
    case nothing
    /// One team's records.
    case team(TeamReference)
    /// The records of every team in one organization.
    case organization(OrganizationID)
    /// Every record, including those of requests that never authenticated.
    case everything

    /// Whether a record of `team` (nil: not attributable to a team) is visible.
    public func includes(team: TeamReference?) -> Bool {
        switch self {
        case .nothing: false
        case .everything: true
        case let .organization(id): team?.organizationID == id
        case let .team(own): team == own
        }
    }
}
