import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// `POST /v1/admin/keys`: mints a key — only with a subset of its creator's rights
    /// (``KeyIssuance``), never beyond its holder's membership, and never outliving or
    /// out-limiting the key that mints it (``KeyIssuance/terms(requested:minter:)``). The secret
    /// is in the returned value and nowhere else.
    ///
    /// A team or organization the caller cannot reach answers exactly like a missing one: 404
    /// naming what the request said.
    public func issueKey(_ order: KeyIssueOrder, principal: Principal, audit: RequestAudit) async throws -> IssuedKey {
        audit.describe(action: .issueKey, resource: "keys")
        let (binding, address) = try await binding(for: order, principal: principal, audit: audit)
        let grant = try Authorizer.authorize(principal, .issueKey, on: binding.resource, address: address, audit: audit)
        audit.describe(action: .issueKey, resource: "\(binding.resource)/keys")
        let holder = try await user(order.user, for: principal)
        let role = try await role(for: order, holder: holder.id, binding: binding, principal: principal, audit: audit)
        let request = KeyRequest(
            holder: holder.id, binding: binding, role: role, name: order.name, expiresAt: order.expiresAt,
            limits: order.limits)
        let issued = try await recordingDenials(principal, binding.resource, audit) {
            try await store.keys.issue(request, grant, now: now())
        }
        audit.describe(action: .issueKey, resource: "\(binding.resource)/keys/key:\(issued.record.id)")
        cache.invalidate()
        return issued
    }

    /// `GET /v1/admin/keys?team=`: the keys the caller may see (never a secret).
    public func keys(team address: String?, principal: Principal, audit: RequestAudit) async throws -> [APIKeyRecord] {
        let team = try await authorizeListing(.readKeys, team: address, principal: principal, audit: audit, resourceName: "keys")
        return try await store.keys.list(visibleTo: principal, team: team)
    }

    /// `DELETE /v1/admin/keys/{id}`: the key fails from the next request on. Keys the caller
    /// cannot reach answer 404, like keys that do not exist.
    public func revokeKey(_ id: String, withMinted: Bool = false, principal: Principal, audit: RequestAudit) async throws
        -> APIKeyRecord
    {
        let (record, grant) = try await authorizeKeyChange(id, .revokeKey, principal: principal, audit: audit)
        let revoked = try await store.keys.revoke(record.id, withMinted: withMinted, grant, now: now())
        cache.invalidate()
        return revoked
    }

    /// `POST /v1/admin/keys/{id}/rotate` `{"grace_seconds": N}`: a new secret for the same key
    /// (holder, binding, role, limits and expiry stay); the old secret works for `N` seconds
    /// (0 to 7 days), then is refused. Whoever may revoke the key may rotate it — if the key
    /// neither outlives nor out-limits the caller's own (the same ceiling as minting).
    public func rotateKey(_ id: String, graceSeconds: Int, principal: Principal, audit: RequestAudit)
        async throws -> IssuedKey
    {
        let (record, grant) = try await authorizeKeyChange(id, .revokeKey, principal: principal, audit: audit)
        audit.describe(action: Self.rotateKeyAction, resource: "\(record.binding.resource)/keys/key:\(id)")
        let rotated = try await recordingDenials(principal, record.binding.resource, audit) {
            try await store.keys.rotate(record.id, graceSeconds: graceSeconds, grant, now: now())
        }
        cache.invalidate()
        return rotated
    }

    /// What the audit records a rotation as (authorized as `keys.revoke`).
    public static let rotateKeyAction = "keys.rotate"

    /// The key `id` names and the grant to change it, or a recorded refusal: a key out of the
    /// caller's reach is the same 404 as a missing one.
    private func authorizeKeyChange(_ id: String, _ action: Action, principal: Principal, audit: RequestAudit)
        async throws -> (APIKeyRecord, Grant)
    {
        audit.describe(action: action, resource: "key:\(id)")
        guard APIKeyID.looksLikeIdentifier(id), let record = try await store.keys.key(id: APIKeyID(rawValue: id)) else {
            throw GatewayError.notFound("key", id)
        }
        let grant = try Authorizer.authorize(
            principal, action, on: record.binding.resource, address: .init("key", id), audit: audit)
        audit.describe(action: action, resource: "\(record.binding.resource)/keys/key:\(id)")
        return (record, grant)
    }

    /// Where the order binds the key, resolved only from what it names, and how a refusal
    /// names it: a team is looked up as `org/team` when both are given, so a team of another
    /// organization, a missing team and a mismatched pair all answer the same 404.
    private func binding(for order: KeyIssueOrder, principal: Principal, audit: RequestAudit) async throws
        -> (AccessBinding, Authorizer.Address?)
    {
        if let teamAddress = order.team {
            let address = Authorizer.Address("team", teamAddress)
            guard let organizationAddress = order.organization else {
                return (.team(try await team(teamAddress, for: principal, audit: audit).reference), address)
            }
            let qualified = teamAddress.contains("/") ? teamAddress : "\(organizationAddress)/\(teamAddress)"
            guard let team = try await store.teams.team(address: qualified),
                let organization = try await store.organizations.organization(address: organizationAddress),
                organization.id == team.organizationID
            else { throw missing(address, principal: principal, audit: audit) }
            return (.team(team.reference), address)
        }
        if let organizationAddress = order.organization {
            let organization = try await organization(organizationAddress, for: principal, audit: audit)
            return (.organization(organization.id), Authorizer.Address("organization", organizationAddress))
        }
        return (principal.binding, nil)
    }

    private func role(
        for order: KeyIssueOrder, holder: UserID, binding: AccessBinding, principal: Principal, audit: RequestAudit
    ) async throws -> Role {
        if let name = order.role {
            guard let role = Role(name: name) else {
                throw GatewayError.invalid(
                    "'role' must be owner, org_admin, admin, member or viewer, not '\(name)'", param: "role")
            }
            return role
        }
        guard let current = try await store.memberships.role(of: holder, at: binding) else {
            throw Authorizer.deny(.exceedsHolderMembership, principal: principal, resource: binding.resource, audit: audit)
        }
        return current
    }
}
