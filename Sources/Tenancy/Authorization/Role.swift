/// The five roles of DESIGN §4, and the roles table itself (``actions``).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case owner
    case orgAdmin = "org_admin"
    case teamAdmin = "team_admin"
    case member
    case viewer

    /// Parses the names clients use: the raw values, and `admin` for a team admin
    /// (`PUT /v1/admin/teams/{team}/members/{user}` takes `admin|member|viewer`).
    public init?(name: String) {
        switch name.lowercased() {
        case "admin", "team_admin", "teamadmin": self = .teamAdmin
        case "org_admin", "orgadmin": self = .orgAdmin
        default:
            guard let role = Role(rawValue: name.lowercased()) else { return nil }
            self = role
        }
    }

    /// Every action the role allows where it is held — the roles table, one row per
    /// ``Action``. Deny by default: an action not listed here is refused.
    public var actions: Set<Action> {
        switch self {
        case .owner:
            [
                .createOrganization, .readOrganization, .appointOrganizationAdmin, .readMetrics, .setPrices, .readPrices,
                .createTeam, .readTeam, .createUser, .addOrganizationUser,
                .addMember, .removeMember, .readMembers, .issueKey, .revokeKey, .readKeys,
                .readLimits, .setLimits, .setMemberBudgets, .readAudit, .readUsage, .readAlerts,
                .manageAlertDestinations, .readAlertDestinations, .readSingleSignOn, .manageSingleSignOn,
            ]
        case .orgAdmin:
            [
                .readOrganization, .createTeam, .readTeam, .createUser, .addOrganizationUser,
                .addMember, .removeMember, .readMembers, .issueKey, .revokeKey, .readKeys,
                .readProfile, .changeProfile, .readLimits, .setLimits, .setMemberBudgets, .readAudit, .readUsage,
                .readAlerts, .manageAlertDestinations, .readAlertDestinations, .readSingleSignOn, .manageSingleSignOn,
            ]
        case .teamAdmin:
            [
                .readTeam, .createUser,
                .addMember, .removeMember, .readMembers, .issueKey, .revokeKey, .readKeys,
                .readProfile, .changeProfile, .readLimits, .setMemberBudgets, .readAudit, .readUsage, .readAlerts,
                .manageAlertDestinations, .readAlertDestinations,
                .writeDocuments, .chat, .search, .readDocuments, .embed, .listModels,
            ]
        case .member:
            [.writeDocuments, .chat, .search, .readDocuments, .embed, .listModels]
        case .viewer:
            [.chat, .search, .readDocuments, .embed, .listModels]
        }
    }

    /// Seniority, for "nobody confers a role above their own": owner 4 … viewer 0.
    public var rank: Int {
        switch self {
        case .owner: 4
        case .orgAdmin: 3
        case .teamAdmin: 2
        case .member: 1
        case .viewer: 0
        }
    }

    /// Whether the role can be held at `binding`: owner on the platform, org admin in an
    /// organization, the other three in a team.
    public func fits(_ binding: AccessBinding) -> Bool {
        switch (self, binding) {
        case (.owner, .platform), (.orgAdmin, .organization): true
        case (.teamAdmin, .team), (.member, .team), (.viewer, .team): true
        default: false
        }
    }

    /// Roles that are held inside a team.
    public static let teamRoles: [Role] = [.teamAdmin, .member, .viewer]
}
