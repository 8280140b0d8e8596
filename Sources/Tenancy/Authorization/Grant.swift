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
}
