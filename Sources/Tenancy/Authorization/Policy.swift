/// The pure authorization rule of DESIGN §4: deny unless the roles table grants.
///
/// ```swift
/// let grant = try Policy.authorize(principal, .changeProfile, on: team.resource)
/// try await store.profiles.save(profile, grant)
/// ```
public enum Policy {
    /// Decides whether `principal` may perform `action` on `resource`.
    ///
    /// In order: the action must apply to the resource; the resource must lie within the key's
    /// binding (otherwise it is a cross-tenant attempt, or for the platform's own resource a
    /// role the key lacks); data-plane actions need a team key
    /// for that very team; and the principal's effective rights must contain the action.
    public static func decide(_ principal: Principal, _ action: Action, _ resource: Resource) -> Decision {
        guard action.applies(to: resource) else { return .deny(.actionDoesNotApply) }
        // Another tenant's resource is a cross-tenant attempt. The platform's is no tenant's, and
        // a team key's own organization is its tenant's: a key asking for those (metrics, prices,
        // its organization's single sign-on) lacks the role — not an attempt to raise alerts on.
        guard principal.binding.reaches(resource) else {
            let own = resource == .platform || principal.organizationID.map { resource == .organization($0) } == true
            return .deny(own ? .roleNotAllowed : .crossTenant)
        }
        if action.plane == .data {
            guard case let .team(own) = principal.binding, resource == .team(own) else {
                return .deny(.dataPlaneNeedsTeamKey)
            }
        }
        guard principal.rights.contains(action) else { return .deny(.roleNotAllowed) }
        return .allow
    }

    /// Like ``decide(_:_:_:)``, but returns the proof a store method needs, or throws.
    public static func authorize(_ principal: Principal, _ action: Action, on resource: Resource)
        throws(AccessDenied) -> Grant
    {
        switch decide(principal, action, resource) {
        case .allow: return Grant(principal: principal, action: action, resource: resource)
        case let .deny(reason): throw AccessDenied(reason, action: action)
        }
    }

    /// Which team-partitioned records `principal` may read for `action` (`.readAudit`,
    /// `.readUsage`, `.readKeys`): its binding's reach, or nothing without the right.
    public static func visibility(of principal: Principal, for action: Action) -> Visibility {
        guard principal.rights.contains(action) else { return .nothing }
        switch principal.binding {
        case .platform: return .everything
        case let .organization(id): return .organization(id)
        case let .team(team): return .team(team)
        }
    }
}
