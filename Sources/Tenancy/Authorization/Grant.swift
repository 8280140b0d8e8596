import Foundation

/// Proof that ``Policy`` allowed one principal one action on one resource.
///
/// Only ``Policy/authorize(_:_:on:)`` can make one, so a store method that takes a `Grant`
/// cannot be reached without the decision having been made (and it checks that the grant is
/// for the action it performs). A grant belongs to one request: make it from that request's
/// freshly authenticated principal, never keep it.
public struct Grant: Sendable, Hashable {
    public let principal: Principal
    public let action: Action
    public let resource: Resource

    init(principal: Principal, action: Action, resource: Resource) {
        self.principal = principal
        self.action = action
        self.resource = resource
    }

    /// The granted resource, after checking the grant is for `expected`.
    public func resource(for expected: Action) throws(AccessDenied) -> Resource {
        guard action == expected else { throw AccessDenied(.actionDoesNotApply, action: expected) }
        return resource
    }

    /// The granted team, after checking the grant is for `expected` on a team.
    public func team(for expected: Action) throws(AccessDenied) -> TeamReference {
        guard case let .team(team) = try resource(for: expected) else {
            throw AccessDenied(.actionDoesNotApply, action: expected)
        }
        return team
    }

    /// The granted organization, after checking the grant is for `expected` on one.
    public func organization(for expected: Action) throws(AccessDenied) -> OrganizationID {
        guard case let .organization(id) = try resource(for: expected) else {
            throw AccessDenied(.actionDoesNotApply, action: expected)
        }
        return id
    }

    /// This grant as its key stands now (``Principal/standing(_:at:)``, from `credentials`
    /// read again inside the write's transaction), decided again: what a write that hands out
    /// access checks, so a revocation, removal or demotion that committed after the request
    /// was authenticated holds for it.
    /// - Throws: ``AuthenticationFailure`` when the key may no longer act; ``AccessDenied``
    ///   when it may, but no longer this.
    public func standing(_ credentials: KeyCredentials, at instant: Date) throws -> Grant {
        let principal = try principal.standing(credentials, at: instant)
        if let reason = Policy.decide(principal, action, resource).denialReason { throw AccessDenied(reason, action: action) }
        return Grant(principal: principal, action: action, resource: resource)
    }
}
