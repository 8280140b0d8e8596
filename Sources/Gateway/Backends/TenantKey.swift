import Tenancy

/// The team a generation runs for, taken from its ``TenantScope`` — the key every per-team
/// cache and queue starts with. Only a scope can make one, so it always names the team an
/// authenticated key proved.
public struct TenantKey: Sendable, Hashable, CustomStringConvertible {
    public let organizationID: OrganizationID
    public let teamID: TeamID

    public init(_ scope: TenantScope) {
        organizationID = scope.organizationID
        teamID = scope.teamID
    }

    public var description: String { "\(organizationID.rawValue)/\(teamID.rawValue)" }
}
