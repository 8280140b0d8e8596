import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// `POST /v1/admin/orgs` (owner).
    public func createOrganization(named name: String, principal: Principal, audit: RequestAudit) async throws -> Organization {
        audit.describe(action: .createOrganization, resource: Resource.platform.description)
        let grant = try Authorizer.authorize(principal, .createOrganization, on: .platform, audit: audit)
        let organization = try await store.organizations.create(named: name, grant, now: now())
        audit.describe(action: .createOrganization, resource: organization.resource.description)
        return organization
    }

    /// `GET /v1/admin/orgs`: every organization for the owner, its own for an org admin.
    public func organizations(principal: Principal, audit: RequestAudit) async throws -> [Organization] {
        audit.describe(action: .readOrganization, resource: "orgs")
        guard principal.rights.contains(.readOrganization) else {
            throw Authorizer.deny(.roleNotAllowed, principal: principal, resource: .platform, audit: audit)
        }
        audit.decided(.allow)
        return try await store.organizations.list(visibleTo: principal)
    }

    /// `POST /v1/admin/orgs/{org}/teams` (owner, the organization's admins).
    public func createTeam(named name: String, in organizationAddress: String, principal: Principal, audit: RequestAudit)
        async throws -> Team
    {
        let organization = try await organization(organizationAddress, for: principal, audit: audit)
        audit.describe(action: .createTeam, resource: organization.resource.description)
        let grant = try Authorizer.authorize(
            principal, .createTeam, on: organization.resource, address: .init("organization", organizationAddress),
            audit: audit)
        let team = try await store.teams.create(named: name, grant, now: now())
        audit.describe(action: .createTeam, resource: "\(organization.resource)/\(team.resource)")
        return team
    }

    /// `GET /v1/admin/orgs/{org}/teams`: the organization's teams the key reaches.
    public func teams(in organizationAddress: String, principal: Principal, audit: RequestAudit) async throws -> [Team] {
        let organization = try await organization(organizationAddress, for: principal, audit: audit)
        audit.describe(action: .readTeam, resource: "\(organization.resource)/teams")
        if let own = principal.organizationID, own != organization.id {
            throw Authorizer.deny(
                .crossTenant, principal: principal, resource: organization.resource,
                address: .init("organization", organizationAddress), audit: audit)
        }
        guard principal.rights.contains(.readTeam) else {
            throw Authorizer.deny(.roleNotAllowed, principal: principal, resource: organization.resource, audit: audit)
        }
        audit.decided(.allow)
        return try await store.teams.list(in: organization.id, visibleTo: principal)
    }

    /// `POST /v1/admin/users` (owner, org admins, team admins): the user joins `org`, by
    /// default the caller's organization (the owner's users join none until given a role).
    /// Another organization answers 404, like a missing one.
    public func createUser(
        named name: String, email: String?, organization organizationAddress: String? = nil, principal: Principal,
        audit: RequestAudit
    ) async throws -> User {
        audit.describe(action: .createUser, resource: Resource.userDirectory.description)
        let grant = try Authorizer.authorize(principal, .createUser, on: .userDirectory, audit: audit)
        var organization = principal.organizationID
        if let organizationAddress {
            let named = try await self.organization(organizationAddress, for: principal, audit: audit)
            guard principal.binding == .platform || named.id == principal.organizationID else {
                throw Authorizer.deny(
                    .crossTenant, principal: principal, resource: named.resource,
                    address: .init("organization", organizationAddress), audit: audit)
            }
            organization = named.id
        }
        let user = try await store.users.create(named: name, email: email, in: organization, grant, now: now())
        audit.describe(action: .createUser, resource: "users/user:\(user.id)")
        return user
    }

    /// `PUT /v1/admin/orgs/{org}/users/{user}` (owner, the organization's admins): an existing
    /// user the caller can see joins the organization.
    public func addOrganizationUser(
        _ userAddress: String, to organizationAddress: String, principal: Principal, audit: RequestAudit
    ) async throws -> User {
        try await grantOrganizationRole(
            .addOrganizationUser, listing: "users", to: userAddress, in: organizationAddress, principal: principal,
            audit: audit
        ) { user, grant in try await self.store.users.add(user, grant, now: self.now()) }
    }

    /// `DELETE /v1/admin/orgs/{org}/users/{user}` (owner, the organization's admins; an admin of
    /// it by the owner only): offboarding — the person leaves the organization, its teams and
    /// every key they hold there (``MembershipRepository/removeFromOrganization(_:_:now:)``).
    public func removeOrganizationUser(
        _ userAddress: String, from organizationAddress: String, principal: Principal, audit: RequestAudit
    ) async throws {
        _ = try await grantOrganizationRole(
            .addOrganizationUser, listing: "users", to: userAddress, in: organizationAddress, principal: principal,
            audit: audit, removing: true
        ) { user, grant in try await self.store.memberships.removeFromOrganization(user, grant, now: self.now()) }
    }

    /// `PUT /v1/admin/orgs/{org}/admins/{user}` (owner).
    public func appointOrganizationAdmin(
        _ userAddress: String, of organizationAddress: String, principal: Principal, audit: RequestAudit
    ) async throws -> User {
        try await grantOrganizationRole(
            .appointOrganizationAdmin, listing: "admins", to: userAddress, in: organizationAddress, principal: principal,
            audit: audit
        ) { user, grant in try await self.store.memberships.appointOrganizationAdmin(user, grant, now: self.now()) }
    }

    /// `DELETE /v1/admin/orgs/{org}/admins/{user}` (owner): the role ends, and with it the
    /// person's organization keys and every key those minted (they saw its secret).
    public func removeOrganizationAdmin(
        _ userAddress: String, of organizationAddress: String, principal: Principal, audit: RequestAudit
    ) async throws {
        _ = try await grantOrganizationRole(
            .appointOrganizationAdmin, listing: "admins", to: userAddress, in: organizationAddress, principal: principal,
            audit: audit
        ) { user, grant in try await self.store.memberships.removeOrganizationAdmin(user, grant, now: self.now()) }
    }

    /// The shape both organization grants share: resolve the organization, authorize `action`
    /// on it, resolve the user the caller can see, then let `store` record it — each step
    /// audited under `{org}/{listing}`, so a refusal names only what the caller wrote.
    private func grantOrganizationRole(
        _ action: Action, listing: String, to userAddress: String, in organizationAddress: String,
        principal: Principal, audit: RequestAudit, removing: Bool = false, store: (UserID, Grant) async throws -> Void
    ) async throws -> User {
        let organization = try await organization(organizationAddress, for: principal, audit: audit)
        audit.describe(action: action, resource: "\(organization.resource)/\(listing)")
        let grant = try Authorizer.authorize(
            principal, action, on: organization.resource, address: .init("organization", organizationAddress),
            audit: audit)
        // Adding a user to the organization takes any user the owner names; the other grants
        // read a bare name as one of the organization's own.
        let user = try await user(
            userAddress, for: principal, within: action == .addOrganizationUser && !removing ? nil : organization.id)
        audit.describe(action: action, resource: "\(organization.resource)/\(listing)/user:\(user.id)")
        try await store(user.id, grant)
        cache.invalidate()
        return user
    }

    /// `PUT /v1/admin/teams/{team}/members/{user}`: adds a member or changes their role
    /// (owner, org admin, team admin; never a role above the caller's own).
    public func setMember(
        _ userAddress: String, of teamAddress: String, role roleName: String, principal: Principal, audit: RequestAudit
    ) async throws -> Membership {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .addMember, resource: "\(team.resource)/members")
        _ = try Authorizer.authorize(principal, .addMember, on: team.resource, address: .init("team", teamAddress), audit: audit)
        guard let role = Role(name: roleName), Role.teamRoles.contains(role) else {
            throw GatewayError.invalid("'role' must be admin, member or viewer, not '\(roleName)'", param: "role")
        }
        let user = try await user(userAddress, for: principal, within: team.reference.organizationID)
        audit.describe(action: .addMember, resource: "\(team.resource)/members/user:\(user.id)")
        let decision = KeyIssuance.decideMembership(creator: principal, team: team.reference, role: role)
        if let reason = decision.denialReason {
            throw Authorizer.deny(reason, principal: principal, resource: team.resource, audit: audit)
        }
        let grant = try Policy.authorize(principal, .addMember, on: team.resource)
        let membership = try await recordingDenials(principal, team.resource, audit) {
            try await store.memberships.setTeamRole(role, for: user.id, grant, now: now())
        }
        cache.invalidate()
        return membership
    }

    /// `DELETE /v1/admin/teams/{team}/members/{user}`: their team keys stop working at once.
    public func removeMember(_ userAddress: String, of teamAddress: String, principal: Principal, audit: RequestAudit)
        async throws
    {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .removeMember, resource: "\(team.resource)/members")
        let grant = try Authorizer.authorize(
            principal, .removeMember, on: team.resource, address: .init("team", teamAddress), audit: audit)
        let user = try await user(userAddress, for: principal, within: team.reference.organizationID)
        audit.describe(action: .removeMember, resource: "\(team.resource)/members/user:\(user.id)")
        try await store.memberships.removeFromTeam(user.id, grant)
        cache.invalidate()
    }

    /// `GET /v1/admin/teams/{team}/members`.
    public func members(of teamAddress: String, principal: Principal, audit: RequestAudit) async throws -> [Membership] {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .readMembers, resource: "\(team.resource)/members")
        let grant = try Authorizer.authorize(
            principal, .readMembers, on: team.resource, address: .init("team", teamAddress), audit: audit)
        return try await store.memberships.members(grant)
    }
}
