import Foundation

/// Who is asking, as proven by an API key: the key, its holder, where it is bound, the role
/// it acts with and its effective rights.
///
/// Only ``KeyAuthenticator`` can make one (the initializer is internal to Tenancy and the type
/// is deliberately not `Decodable`), so a principal in hand means a key was checked.
public struct Principal: Sendable, Hashable {
    public let identity: KeyIdentity
    /// The role the key acts with: its issued role, or its holder's current role if lower.
    public let role: Role
    /// What the key may do now (``EffectiveRights``); ``Policy`` consults nothing else.
    public let rights: Set<Action>

    init(identity: KeyIdentity, role: Role, rights: Set<Action>) {
        self.identity = identity
        self.role = role
        self.rights = rights
    }

    public var userID: UserID { identity.userID }
    public var keyID: APIKeyID { identity.keyID }
    public var keyPrefix: String { identity.keyPrefix }
    public var binding: AccessBinding { identity.binding }
    public var organizationID: OrganizationID? { binding.organizationID }
    public var teamID: TeamID? { binding.teamID }

    /// Team keys work on the data plane; organization and platform keys on the admin plane.
    public var plane: Plane { binding.teamID == nil ? .admin : .data }

    /// The tenant scope of a team key: the only way to reach a team's data. `nil` for
    /// organization and platform keys, which never get data access.
    public var tenantScope: TenantScope? {
        guard case let .team(team) = binding else { return nil }
        return TenantScope(team: team, principal: self)
    }

    /// This principal as its key stands now, from `credentials` read again inside the
    /// transaction of a write that hands out access (minting or rotating a key, conferring a
    /// role): a revocation, removal or demotion that committed after the request was
    /// authenticated holds for it. Never more than it was.
    /// - Throws: ``AuthenticationFailure`` when the key may no longer act at all.
    public func standing(_ credentials: KeyCredentials, at instant: Date) throws -> Principal {
        guard credentials.record.id == keyID else { throw AuthenticationFailure(.unknownKey) }
        let now = try KeyAuthenticator.principal(for: credentials, at: instant)
        let role = now.role.rank < role.rank ? now.role : role
        return Principal(identity: identity, role: role, rights: rights.intersection(now.rights))
    }
}
