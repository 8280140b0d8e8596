/// Everything a principal can ask to do: one case per row of the roles table, split finer
/// where the admin API needs it. The raw value is what the audit log records.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
    // Platform: "create orgs, org admins".
    case createOrganization = "org.create"
    case readOrganization = "org.read"
    case appointOrganizationAdmin = "org.admins.appoint"
    case readMetrics = "metrics.read"
    // Organization: "create teams in the org".
    case createTeam = "team.create"
    case readTeam = "team.read"
    case createUser = "user.create"
    /// Adding an existing user to an organization (its admins then see and add them).
    case addOrganizationUser = "org.users.add"
    // Team administration: "add members, issue/revoke keys in the team".
    case addMember = "team.members.add"
    case removeMember = "team.members.remove"
    case readMembers = "team.members.read"
    case issueKey = "keys.issue"
    case revokeKey = "keys.revoke"
    case readKeys = "keys.read"
    // "change the team's profile".
    case readProfile = "profile.read"
    case changeProfile = "profile.change"
    // "set the team's limits and budget".
    case readLimits = "limits.read"
    case setLimits = "limits.set"
    /// Budgets of the team's users and keys, inside the team (its own budget is `setLimits`).
    case setMemberBudgets = "budgets.members.set"
    /// The price per model and 1,000 tokens that cost budgets spend (the owner's).
    case setPrices = "prices.set"
    case readPrices = "prices.read"
    // "read the team's audit and usage".
    case readAudit = "audit.read"
    case readUsage = "usage.read"
    // "read the team's audit and usage", and the security alerts raised about its keys.
    case readAlerts = "alerts.read"
    // Where those alerts are sent: webhook destinations of the platform, an organization, or
    // one team (a team admin may send its own team's alerts to its own receiver).
    case manageAlertDestinations = "alerts.destinations.manage"
    case readAlertDestinations = "alerts.destinations.read"
    // Single sign-on: which identity-provider groups grant which team roles in an organization
    // (mapping a group confers memberships, so the roles that add members organization-wide).
    case readSingleSignOn = "sso.mappings.read"
    case manageSingleSignOn = "sso.mappings.manage"
    // Data plane: "add/delete the team's documents".
    case writeDocuments = "documents.write"
    // Data plane: "chat, search, read the team's documents".
    case chat = "chat"
    case search = "search"
    case readDocuments = "documents.read"
    case embed = "embeddings"
    case listModels = "models.list"

    /// Data-plane actions touch a team's knowledge and conversations: only a key issued in
    /// that team may perform them (DESIGN §3.2).
    public var plane: Plane {
        switch self {
        case .writeDocuments, .chat, .search, .readDocuments, .embed, .listModels: .data
        default: .admin
        }
    }

    /// Administration that a team admin may do with the team's own key.
    public var isTeamAdministration: Bool {
        switch self {
        case .readTeam, .createUser, .addMember, .removeMember, .readMembers, .issueKey, .revokeKey,
            .readKeys, .readProfile, .changeProfile, .readLimits, .setLimits, .readAudit, .readUsage, .readAlerts,
            .manageAlertDestinations, .readAlertDestinations, .setMemberBudgets:
            true
        default: false
        }
    }

    /// Whether the action is about `resource` at all (creating a team is about an
    /// organization, chatting is about a team); any other pairing is refused.
    public func applies(to resource: Resource) -> Bool {
        switch (self, resource) {
        case (.createOrganization, .platform), (.readMetrics, .platform), (.setPrices, .platform): true
        case (.readPrices, .platform): true
        case (.readOrganization, .organization), (.appointOrganizationAdmin, .organization): true
        case (.createTeam, .organization), (.addOrganizationUser, .organization): true
        case (.manageAlertDestinations, .platform), (.manageAlertDestinations, .organization): true
        case (.readAlertDestinations, .platform), (.readAlertDestinations, .organization): true
        case (.readSingleSignOn, .organization), (.manageSingleSignOn, .organization): true
        case (.createUser, _): resource == .userDirectory
        case (.issueKey, _), (.revokeKey, _), (.readKeys, _): resource != .userDirectory
        case (_, .team): plane == .data || isTeamAdministration
        default: false
        }
    }
}

/// The admin plane manages the directory; the data plane uses a team's knowledge.
public enum Plane: String, Sendable, Hashable, Codable {
    case admin
    case data
}
