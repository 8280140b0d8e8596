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
        guard case let .deny(reason) = decision else {
            audit.decided(decision)
            return try Policy.authorize(principal, action, on: resource)
        }
        throw deny(reason, principal: principal, resource: resource, address: address, audit: audit)
    }

    /// Records a denial that was decided elsewhere (key issuance, membership rules) and
    /// returns the error to throw.
    public static func deny(
        _ reason: DenialReason, principal: Principal, resource: Resource, address: Address? = nil, audit: RequestAudit
    ) -> GatewayError {
        audit.decided(.deny(reason))
        if reason == .crossTenant, resource.isTenant {
            audit.reachedAcross(for: resource, named: address.map { "\($0.kind) '\($0.name)'" } ?? resource.kindName)
        }
        return refusal(reason, principal: principal, resource: resource, address: address)
    }

    /// Records a request naming a team or organization that does not exist as the caller's
    /// cross-tenant attempt (see ``AdministrationService``) and returns its 404.
    public static func hide(_ address: Address, principal: Principal, audit: RequestAudit) -> GatewayError {
        audit.decided(.deny(.crossTenant))
        audit.reachedAcross(for: nil, named: "\(address.kind) '\(address.name)'")
        return .notFound(address.kind, address.name)
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
        case .team:
            return hidden(address, resource)
        case let .organization(id):
            // A key inside the organization knows it exists: it is told no, not "not found".
            guard principal.organizationID != id else { return .denied(reason) }
            return hidden(address, resource)
        case .platform, .userDirectory:
            guard let address else { return .denied(reason) }
            return .notFound(address.kind, address.name)
        }
    }

    /// The 404 of another tenant's resource, in the caller's words — never its resolved id.
    private static func hidden(_ address: Address?, _ resource: Resource) -> GatewayError {
        guard let address else { return GatewayError(.notFound, "\(resource.kindName) not found", code: "not_found") }
        return .notFound(address.kind, address.name)
    }

    /// What a request named: the kind of thing and the words it used (what a refusal may
    /// repeat back, where resolved ids of another tenant must never appear).
    public struct Address: Sendable, Hashable {
        public let kind: String
        public let name: String

        public init(_ kind: String, _ name: String) {
            self.kind = kind
            self.name = name
        }
    }
}

extension Resource {
    /// A team or an organization: a resource with another tenant's ids in it.
    var isTenant: Bool {
        switch self {
        case .team, .organization: true
        case .platform, .userDirectory: false
        }
    }

    /// The kind of thing, without ids: what a refusal may say about a resource the request
    /// did not name itself.
    var kindName: String {
        switch self {
        case .platform: "platform"
        case .organization: "organization"
        case .team: "team"
        case .userDirectory: "users"
        }
    }
}
