import Testing
@testable import Tenancy

/// Every role × action cell of the DESIGN §4 roles table, each with the role's own key on the
/// resource the action is about (the principal's own org or team).
@Suite struct PolicyMatrixTests {
    /// The roles table, written out by hand from DESIGN §4 (not derived from `Role.actions`,
    /// so a change to the code that breaks the table fails here).
    static let table: [Action: Set<Role>] = [
        // create orgs, org admins
        .createOrganization: [.owner], .appointOrganizationAdmin: [.owner], .readMetrics: [.owner],
        .readOrganization: [.owner, .orgAdmin],
        // create teams in the org
        .createTeam: [.owner, .orgAdmin], .addOrganizationUser: [.owner, .orgAdmin],
        .readTeam: [.owner, .orgAdmin, .teamAdmin],
        .createUser: [.owner, .orgAdmin, .teamAdmin],
        // add members, issue/revoke keys in the team
        .addMember: [.owner, .orgAdmin, .teamAdmin], .removeMember: [.owner, .orgAdmin, .teamAdmin],
        .readMembers: [.owner, .orgAdmin, .teamAdmin],
        .issueKey: [.owner, .orgAdmin, .teamAdmin], .revokeKey: [.owner, .orgAdmin, .teamAdmin],
        .readKeys: [.owner, .orgAdmin, .teamAdmin],
        // change the team's profile
        .readProfile: [.orgAdmin, .teamAdmin], .changeProfile: [.orgAdmin, .teamAdmin],
        // set the team's limits and budget (a team never raises its own)
        .setLimits: [.owner, .orgAdmin], .readLimits: [.owner, .orgAdmin, .teamAdmin],
        // budgets of the team's users and keys (inside the team); model prices (the owner)
        .setMemberBudgets: [.owner, .orgAdmin, .teamAdmin], .setPrices: [.owner], .readPrices: [.owner],
        // read the team's audit and usage
        .readAudit: [.owner, .orgAdmin, .teamAdmin], .readUsage: [.owner, .orgAdmin, .teamAdmin],
        .readAlerts: [.owner, .orgAdmin, .teamAdmin],
        // where the team's alerts are sent (a team admin: its own team's only)
        .manageAlertDestinations: [.owner, .orgAdmin, .teamAdmin], .readAlertDestinations: [.owner, .orgAdmin, .teamAdmin],
        // which identity-provider groups grant which team roles (organization-wide membership)
        .readSingleSignOn: [.owner, .orgAdmin], .manageSingleSignOn: [.owner, .orgAdmin],
        // add/delete the team's documents
        .writeDocuments: [.teamAdmin, .member],
        // chat, search, read the team's documents
        .chat: [.teamAdmin, .member, .viewer], .search: [.teamAdmin, .member, .viewer],
        .readDocuments: [.teamAdmin, .member, .viewer], .embed: [.teamAdmin, .member, .viewer],
        .listModels: [.teamAdmin, .member, .viewer],
    ]

    /// The resource each action is about, inside acme / acme-sales.
    static func resource(for action: Action) -> Resource {
        switch action {
        case .createOrganization, .readMetrics, .setPrices, .readPrices: .platform
        case .readOrganization, .appointOrganizationAdmin, .createTeam, .addOrganizationUser, .readSingleSignOn,
            .manageSingleSignOn:
            .organization(Principals.acme)
        case .createUser: .userDirectory
        default: .team(Principals.sales)
        }
    }

    @Test func tableCoversEveryAction() {
        #expect(Set(Self.table.keys) == Set(Action.allCases))
    }

    @Test(arguments: Role.allCases, Action.allCases)
    func roleMayPerformExactlyTheActionsOfItsRow(role: Role, action: Action) {
        let principal = Principals.make(role)
        let decision = Policy.decide(principal, action, Self.resource(for: action))
        let expected = Self.table[action, default: []].contains(role)
        #expect(decision.isAllowed == expected, "\(role) \(action): \(decision)")
    }

    @Test(arguments: Action.allCases.filter { $0.plane == .data })
    func ownerHasNoDataPlaneAccess(action: Action) {
        let decision = Policy.decide(Principals.make(.owner), action, .team(Principals.sales))
        #expect(decision == .deny(.dataPlaneNeedsTeamKey))
    }

    @Test(arguments: Action.allCases.filter { $0.plane == .data })
    func orgAdminHasNoDataPlaneAccessInItsOwnOrganization(action: Action) {
        let decision = Policy.decide(Principals.make(.orgAdmin), action, .team(Principals.sales))
        #expect(decision == .deny(.dataPlaneNeedsTeamKey))
    }

    @Test(arguments: Action.allCases.filter { $0.plane == .data || $0.isTeamAdministration })
    func salesKeyIsDeniedEverythingInDevelopment(action: Action) {
        let decision = Policy.decide(Principals.make(.teamAdmin), action, .team(Principals.development))
        if action == .createUser {
            #expect(decision == .deny(.actionDoesNotApply))
        } else {
            #expect(decision == .deny(.crossTenant))
        }
    }

    /// A team key asking for its own organization's resource (its single sign-on mappings,
    /// organization-wide alert destinations) lacks the role; it is no attempt on another
    /// tenant, and must not raise a cross-team intrusion alert. Another organization still is.
    @Test func aTeamKeyOnItsOwnOrganizationLacksTheRole() {
        let admin = Principals.make(.teamAdmin)
        #expect(Policy.decide(admin, .readSingleSignOn, .organization(Principals.acme)) == .deny(.roleNotAllowed))
        #expect(Policy.decide(admin, .createTeam, .organization(Principals.acme)) == .deny(.roleNotAllowed))
        #expect(Policy.decide(admin, .readSingleSignOn, .organization(Principals.globex)) == .deny(.crossTenant))
    }

    @Test func orgAdminCannotReachAnotherOrganization() {
        let admin = Principals.make(.orgAdmin)
        #expect(Policy.decide(admin, .createTeam, .organization(Principals.globex)) == .deny(.crossTenant))
        #expect(Policy.decide(admin, .setLimits, .team(Principals.research)) == .deny(.crossTenant))
        #expect(Policy.decide(admin, .setLimits, .team(Principals.development)) == .allow)
    }

    @Test func teamNamedWithAnotherOrganizationIsNotReached() {
        let forged = TeamReference(id: Principals.sales.id, organizationID: Principals.globex)
        #expect(Policy.decide(Principals.make(.member), .chat, .team(forged)) == .deny(.crossTenant))
    }

    @Test func teamAdminCannotRaiseItsOwnLimits() {
        #expect(Policy.decide(Principals.make(.teamAdmin), .setLimits, .team(Principals.sales)) == .deny(.roleNotAllowed))
    }

    @Test func actionAboutAnotherKindOfResourceIsRefused() {
        let owner = Principals.make(.owner)
        #expect(Policy.decide(owner, .createTeam, .platform) == .deny(.actionDoesNotApply))
        #expect(Policy.decide(owner, .createOrganization, .team(Principals.sales)) == .deny(.actionDoesNotApply))
    }

    @Test(arguments: Action.allCases)
    func principalWithoutRightsIsDeniedEverything(action: Action) {
        // A team key whose holder no longer holds any role there has no rights at all.
        let removed = Principals.make(.member, holderRole: .owner)
        #expect(removed.rights.isEmpty)
        #expect(!Policy.decide(removed, action, Self.resource(for: action)).isAllowed)
    }

    @Test func authorizeReturnsAGrantOnlyWhenAllowed() throws {
        let grant = try Policy.authorize(Principals.make(.teamAdmin), .changeProfile, on: .team(Principals.sales))
        #expect(try grant.team(for: .changeProfile) == Principals.sales)
        #expect(throws: AccessDenied(.actionDoesNotApply, action: .setLimits)) { try grant.team(for: .setLimits) }
        #expect(throws: AccessDenied(.roleNotAllowed, action: .changeProfile)) {
            try Policy.authorize(Principals.make(.member), .changeProfile, on: .team(Principals.sales))
        }
    }

    @Test func visibilityFollowsTheKeysReach() {
        #expect(Policy.visibility(of: Principals.make(.owner), for: .readAudit) == .everything)
        #expect(Policy.visibility(of: Principals.make(.orgAdmin), for: .readAudit) == .organization(Principals.acme))
        #expect(Policy.visibility(of: Principals.make(.teamAdmin), for: .readAudit) == .team(Principals.sales))
        #expect(Policy.visibility(of: Principals.make(.member), for: .readAudit) == .nothing)
        #expect(Visibility.organization(Principals.acme).includes(team: Principals.development))
        #expect(!Visibility.organization(Principals.acme).includes(team: Principals.research))
        #expect(!Visibility.team(Principals.sales).includes(team: nil))
    }
}
