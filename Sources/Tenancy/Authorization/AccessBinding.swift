/// Where a key or a membership applies: the whole platform, one organization, or one team.
///
/// A key bound to a team works on the data plane (and, for team admins, administers that team);
/// keys bound to an organization or the platform work on the admin plane only.
public enum AccessBinding: Sendable, Hashable, Codable, CustomStringConvertible {
    case platform
    case organization(OrganizationID)
    case team(TeamReference)

    /// The resource that stands for the binding itself (where its keys are issued and revoked).
    public var resource: Resource {
        switch self {
        case .platform: .platform
        case let .organization(id): .organization(id)
        case let .team(team): .team(team)
        }
    }

    public var organizationID: OrganizationID? {
        switch self {
        case .platform: nil
        case let .organization(id): id
        case let .team(team): team.organizationID
        }
    }

    public var teamID: TeamID? {
        if case let .team(team) = self { team.id } else { nil }
    }

    /// Whether something bound here may act on `resource` at all (roles decide the rest):
    /// the platform reaches everything, an organization its own teams, a team only itself.
    public func reaches(_ resource: Resource) -> Bool {
        switch (self, resource) {
        case (_, .userDirectory), (.platform, _):
            true
        case let (.organization(own), .organization(other)):
            own == other
        case let (.organization(own), .team(team)):
            own == team.organizationID
        case let (.team(own), .team(other)):
            own == other
        case (.organization, .platform), (.team, .platform), (.team, .organization):
            false
        }
    }

    /// The actions that can make sense at this binding at all — the "team ∩ org" part of
    /// ``EffectiveRights``: only a team binding carries data-plane actions.
    public var ceiling: Set<Action> {
        switch self {
        case .platform, .organization: Set(Action.allCases.filter { $0.plane == .admin })
        case .team: Set(Action.allCases.filter { $0.plane == .data || $0.isTeamAdministration })
        }
    }

    public var description: String {
        switch self {
        case .platform: "the platform"
        case let .organization(id): "organization \(id)"
        case let .team(team): "team \(team.id) of organization \(team.organizationID)"
        }
    }
}
