import Foundation
import Store
import Tenancy

/// One entry of `PUT /v1/admin/orgs/{org}/sso/mappings`, as the client wrote it.
public struct GroupMappingOrder: Sendable, Hashable {
    public let group: String
    /// The team by id, name or `org/team`; it must be a team of the organization.
    public let team: String
    /// `admin`, `member` or `viewer`.
    public let role: String

    public init(group: String, team: String, role: String) {
        self.group = group
        self.team = team
        self.role = role
    }
}

/// A stored mapping with its team resolved, for answers.
public struct GroupMappingListing: Sendable, Hashable {
    public let group: String
    public let team: Team
    public let role: Role
}

extension AdministrationService {
    /// `GET /v1/admin/orgs/{org}/sso/mappings` (owner, the organization's admins).
    public func singleSignOnMappings(organization address: String, principal: Principal, audit: RequestAudit)
        async throws -> [GroupMappingListing]
    {
        let organization = try await organization(address, for: principal, audit: audit)
        audit.describe(action: .readSingleSignOn, resource: "\(organization.resource)/sso/mappings")
        let grant = try Authorizer.authorize(
            principal, .readSingleSignOn, on: organization.resource, address: .init("organization", address),
            audit: audit)
        return try await listings(try await store.singleSignOn.mappings(grant), in: organization.id)
    }

    /// `PUT /v1/admin/orgs/{org}/sso/mappings` (owner, the organization's admins): replaces the
    /// organization's mappings; each person's memberships follow at their next SSO sign-in.
    /// A team outside the organization is refused like one that does not exist (400 naming the
    /// entry), so nobody learns another organization's team names.
    public func setSingleSignOnMappings(
        _ orders: [GroupMappingOrder], organization address: String, principal: Principal, audit: RequestAudit
    ) async throws -> [GroupMappingListing] {
        let organization = try await organization(address, for: principal, audit: audit)
        audit.describe(action: .manageSingleSignOn, resource: "\(organization.resource)/sso/mappings")
        let grant = try Authorizer.authorize(
            principal, .manageSingleSignOn, on: organization.resource, address: .init("organization", address),
            audit: audit)
        guard orders.count <= SingleSignOnRepository.maximumMappings else {
            throw GatewayError.invalid(
                "At most \(SingleSignOnRepository.maximumMappings) mappings are allowed", param: "mappings")
        }
        var mappings: [GroupMapping] = []
        var seen: Set<String> = []
        for (index, order) in orders.enumerated() {
            let field = "mappings[\(index)]"
            let group = try Self.validatedGroup(order.group, field: "\(field).group")
            guard let role = Role(name: order.role), Role.teamRoles.contains(role) else {
                throw GatewayError.invalid("'\(field).role' must be admin, member or viewer", param: "\(field).role")
            }
            guard let team = try await mappedTeam(order.team, in: organization.id) else {
                throw GatewayError.invalid(
                    "'\(field).team' is not a team of this organization", param: "\(field).team")
            }
            guard seen.insert("\(group)\u{0}\(team.id.rawValue)").inserted else {
                throw GatewayError.invalid("'\(field)' repeats a group and team given before", param: field)
            }
            mappings.append(GroupMapping(group: group, team: team.reference, role: role))
        }
        try await store.singleSignOn.replaceMappings(mappings, grant)
        return try await listings(mappings, in: organization.id)
    }

    /// An SSO sign-in, after the console verified the ID token: finds or makes the user in the
    /// single sign-on organization, applies its mappings to the token's groups and returns the
    /// key the console session is made from (never shown; it expires with the session). The
    /// audit's flags say what changed (`sso.user_created`, `sso.membership_added`,
    /// `sso.membership_removed`) and the record names the user, refused or not: a sign-in that
    /// leaves the person without a role is how a removed group offboards them, and what an
    /// auditor looks for. The directory cache is emptied so a removed membership's keys stop
    /// working at once.
    /// - Throws: ``GatewayError`` 403 `sso_no_access` when the person holds no role there, or
    ///   (flagged `sso.name_taken`) when a returning person's user name was given to another
    ///   user of the organization meanwhile: an administrator has to settle which is whom.
    public func provisionSingleSignOn(
        _ identity: ExternalIdentity, organization address: String, sessionExpiresAt: Date, audit: RequestAudit
    ) async throws -> APIKeySecret {
        guard let organization = try await store.organizations.organization(address: address) else {
            throw GatewayError.notFound("organization", address)
        }
        let result: SingleSignOnResult
        do {
            result = try await store.singleSignOn.signIn(
                identity, organization: organization.id, sessionExpiresAt: sessionExpiresAt, now: now())
        } catch StoreError.nameTaken {
            audit.flag("sso.name_taken")
            audit.decided(.deny(.singleSignOnNoAccess))
            throw GatewayError.denied(.singleSignOnNoAccess)
        }
        cache.invalidate()
        if result.created { audit.flag("sso.user_created") }
        if !result.added.isEmpty { audit.flag("sso.membership_added") }
        if !result.removed.isEmpty { audit.flag("sso.membership_removed") }
        guard let sessionKey = result.sessionKey else {
            audit.identified(user: result.user.id, in: organization.id)
            audit.decided(.deny(.singleSignOnNoAccess))
            throw GatewayError.denied(.singleSignOnNoAccess)
        }
        return sessionKey
    }

    /// A group as the identity provider spells it: 1 to 256 characters, plain text (``PlainText``).
    static func validatedGroup(_ group: String, field: String) throws -> String {
        guard !group.isEmpty, group.count <= ExternalIdentity.maximumGroupLength else {
            throw GatewayError.invalid(
                "'\(field)' must be 1 to \(ExternalIdentity.maximumGroupLength) characters", param: field)
        }
        guard !PlainText.hasForbiddenCharacter(group) else {
            throw GatewayError.invalid("'\(field)' \(PlainText.problem)", param: field)
        }
        return group
    }

    /// The team `address` names inside `organization` (id, name or `org/team`), else `nil`.
    private func mappedTeam(_ address: String, in organization: OrganizationID) async throws -> Team? {
        guard !address.isEmpty, address.count <= 200 else { return nil }
        var team = try await store.teams.team(address: address)
        if team == nil, !address.contains("/") {
            team = try await store.teams.team(address: "\(organization.rawValue)/\(address)")
        }
        return team?.organizationID == organization ? team : nil
    }

    private func listings(_ mappings: [GroupMapping], in organization: OrganizationID) async throws
        -> [GroupMappingListing]
    {
        var listings: [GroupMappingListing] = []
        for mapping in mappings {
            guard let team = try await store.teams.team(address: mapping.team.id.rawValue),
                team.organizationID == organization
            else { continue }
            listings.append(GroupMappingListing(group: mapping.group, team: team, role: mapping.role))
        }
        return listings
    }
}
