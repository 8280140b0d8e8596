/// A team, together with the principal whose key proved membership of it.
///
/// Every read or write of a team's data takes a `TenantScope` first. Its initializer is
/// internal to Tenancy and only ``Principal/tenantScope`` calls it, so a scope exists only
/// for the team of an authenticated team key: the client never chooses its team, the key
/// does. Code outside Tenancy cannot write `TenantScope(...)` — it does not compile.
public struct TenantScope: Sendable, Hashable {
    public let team: TeamReference
    public let principal: Principal

    init(team: TeamReference, principal: Principal) {
        self.team = team
        self.principal = principal
    }

    public var teamID: TeamID { team.id }
    public var organizationID: OrganizationID { team.organizationID }
}
