import Tenancy

/// One rule of an organization's single sign-on: people whose ID token lists `group` hold
/// `role` in `team` (a team of that organization). Applied at every SSO sign-in.
public struct GroupMapping: Sendable, Hashable {
    /// The identity provider's group, exactly as its groups claim spells it.
    public let group: String
    public let team: TeamReference
    /// A team role: team admin, member or viewer.
    public let role: Role

    public init(group: String, team: TeamReference, role: Role) {
        self.group = group
        self.team = team
        self.role = role
    }
}

/// What one SSO sign-in did: the user (made now, or found by issuer and subject), the
/// memberships the mappings added and removed, and the session key minted for the console.
public struct SingleSignOnResult: Sendable {
    public let user: User
    public let created: Bool
    public let added: [TeamID]
    public let removed: [TeamID]
    /// The key the console session is made from: bound where the user holds their highest role
    /// in the organization, expiring with the session, never shown to anyone. `nil` when the
    /// person holds no role there: no session, though what the sign-in changed (the user made,
    /// the memberships removed) is kept and is what the audit must show.
    public let sessionKey: APIKeySecret?
}
