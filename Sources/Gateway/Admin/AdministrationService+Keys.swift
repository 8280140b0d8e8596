import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// `POST /v1/admin/keys`: mints a key — only with a subset of its creator's rights
    /// (``KeyIssuance``) and never beyond its holder's membership. The secret is in the
    /// returned value and nowhere else.
    public func issueKey(_ order: KeyIssueOrder, principal: Principal, audit: RequestAudit) async throws -> IssuedKey {
        audit.describe(action: .issueKey, resource: "keys")
        let binding = try await binding(for: order, principal: principal)
        audit.describe(action: .issueKey, resource: "\(binding.resource)/keys")
        let address = order.team.map { Authorizer.Address("team", $0) } ?? order.organization.map { .init("organization", $0) }
        let grant = try Authorizer.authorize(principal, .issueKey, on: binding.resource, address: address, audit: audit)
        let holder = try await user(order.user)
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
    public func revokeKey(_ id: String, principal: Principal, audit: RequestAudit) async throws -> APIKeyRecord {
        audit.describe(action: .revokeKey, resource: "key:\(id)")
        guard APIKeyID.looksLikeIdentifier(id), let record = try await store.keys.key(id: APIKeyID(rawValue: id)) else {
            throw GatewayError.notFound("key", id)
        }
        audit.describe(action: .revokeKey, resource: "\(record.binding.resource)/keys/key:\(id)")
        let grant = try Authorizer.authorize(
            principal, .revokeKey, on: record.binding.resource, address: .init("key", id), audit: audit)
        let revoked = try await store.keys.revoke(record.id, grant, now: now())
        cache.invalidate()
        return revoked
    }

    private func binding(for order: KeyIssueOrder, principal: Principal) async throws -> AccessBinding {
        if let teamAddress = order.team {
            var team = try await team(teamAddress, for: principal)
            if let organizationAddress = order.organization {
                let organization = try await organization(organizationAddress)
                if !teamAddress.contains("/"), organization.id != team.organizationID {
                    team = try await self.team("\(organization.id.rawValue)/\(teamAddress)", for: principal)
                }
                guard organization.id == team.organizationID else {
                    throw GatewayError.invalid("team '\(teamAddress)' is not in organization '\(organizationAddress)'", param: "team")
                }
            }
            return .team(team.reference)
        }
        if let organizationAddress = order.organization {
            return .organization(try await organization(organizationAddress).id)
        }
        return principal.binding
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
