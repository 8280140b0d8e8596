import Tenancy

/// The authorize stage: asks ``Policy``, records its answer in the request's audit, and turns
/// a denial into the error the client sees.
///
/// A cross-tenant denial about a team, or about an organization other than the key's own, is
/// answered 404 — exactly what a nonexistent id gets — so a key never learns which of another
/// tenant's ids exist. The audit still records it as `cross_team_attempt`.
public enum Authorizer {
    /// The grant for `action` on `resource`, or throws ``GatewayError``.
    /// - Parameter address: what the request named, as the 404 of a hidden resource names it
    ///   (`("key", "key_…")`); by default the team or organization.
    public static func authorize(
        _ principal: Principal, _ action: Action, on resource: Resource, address: Address? = nil, audit: RequestAudit
    ) throws -> Grant {
        let decision = Policy.decide(principal, action, resource)
        audit.decided(decision)
        guard case let .deny(reason) = decision else {
            return try Policy.authorize(principal, action, on: resource)
        }
        throw refusal(reason, principal: principal, resource: resource, address: address)
    }

    /// Records a denial that was decided elsewhere (key issuance, membership rules) and
    /// returns the error to throw.
    public static func deny(
        _ reason: DenialReason, principal: Principal, resource: Resource, address: Address? = nil, audit: RequestAudit
    ) -> GatewayError {
        audit.decided(.deny(reason))
        return refusal(reason, principal: principal, resource: resource, address: address)
    }

    /// The data-plane scope of the key, or a recorded 403: organization and platform keys
    /// never reach a team's data. The one place a data-plane request gets its team (the
    /// server's data-plane context calls it with the route's declared action).
    public static func dataScope(of principal: Principal, for action: Action, audit: RequestAudit) throws -> TenantScope {
        guard let scope = principal.tenantScope else {
            throw deny(.dataPlaneNeedsTeamKey, principal: principal, resource: .platform, audit: audit)
        }
        _ = try authorize(principal, action, on: .team(scope.team), audit: audit)
        audit.authenticated(principal)
        audit.describe(action: action, resource: Resource.team(scope.team).description)
        return scope
    }

    static func refusal(_ reason: DenialReason, principal: Principal, resource: Resource, address: Address?) -> GatewayError {
        guard reason == .crossTenant else { return .denied(reason) }
        switch resource {
        case let .team(team):
            return .notFound(address?.kind ?? "team", address?.name ?? team.id.rawValue)
        case let .organization(id):
            // A key inside the organization knows it exists: it is told no, not "not found".
            guard principal.organizationID != id else { return .denied(reason) }
            return .notFound(address?.kind ?? "organization", address?.name ?? id.rawValue)
        case .platform, .userDirectory:
            guard let address else { return .denied(reason) }
            return .notFound(address.kind, address.name)
        }
    }

    /// What a request named: the kind of thing and the words it used.
    public struct Address: Sendable, Hashable {
        public let kind: String
        public let name: String

        public init(_ kind: String, _ name: String) {
            self.kind = kind
            self.name = name
        }
    }
}
