import Foundation
@testable import Tenancy

/// Principals for pure policy tests, made the way ``KeyAuthenticator`` makes them (the
/// internal initializer is reachable here only through `@testable`).
enum Principals {
    static let acme = OrganizationID(rawValue: "org_acme")
    static let globex = OrganizationID(rawValue: "org_globex")
    static let sales = TeamReference(id: TeamID(rawValue: "team_sales"), organizationID: acme)
    static let development = TeamReference(id: TeamID(rawValue: "team_development"), organizationID: acme)
    static let research = TeamReference(id: TeamID(rawValue: "team_research"), organizationID: globex)

    /// The binding where `role` is naturally held: owner on the platform, org admin in acme,
    /// team roles in acme/sales.
    static func home(of role: Role) -> AccessBinding {
        switch role {
        case .owner: .platform
        case .orgAdmin: .organization(acme)
        case .teamAdmin, .member, .viewer: .team(sales)
        }
    }

    static func make(
        _ role: Role, at binding: AccessBinding? = nil, holderRole: Role? = nil, user: String = "usr_alice"
    ) -> Principal {
        let binding = binding ?? home(of: role)
        let holder = holderRole ?? role
        let record = APIKeyRecord(
            id: APIKeyID(rawValue: "key_\(role.rawValue)"), prefix: "atr_test", hash: APIKeyHash(of: "k"),
            name: nil, userID: UserID(rawValue: user), binding: binding, role: role, createdAt: Date(),
            createdBy: nil, expiresAt: nil, revokedAt: nil, lastUsedAt: nil)
        return Principal(
            identity: KeyIdentity(record), role: EffectiveRights.role(keyRole: role, holderRole: holder),
            rights: EffectiveRights.of(keyRole: role, holderRole: holder, binding: binding))
    }
}
