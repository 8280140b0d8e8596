import Testing
@testable import Tenancy

/// key ∩ membership ∩ team ∩ org, as a table.
@Suite struct EffectiveRightsTests {
    struct Row: Sendable, CustomStringConvertible {
        let key: Role
        let holder: Role?
        let binding: AccessBinding
        let expected: Set<Action>
        var description: String { "\(key) key, holder \(holder.map(\.rawValue) ?? "none") at \(binding)" }
    }

    static let team = AccessBinding.team(Principals.sales)
    static let organization = AccessBinding.organization(Principals.acme)

    static let rows: [Row] = [
        Row(key: .teamAdmin, holder: .teamAdmin, binding: team, expected: Role.teamAdmin.actions),
        Row(key: .member, holder: .member, binding: team, expected: Role.member.actions),
        // A demoted holder's admin key acts as a member; a promoted holder's member key stays a member.
        Row(key: .teamAdmin, holder: .member, binding: team, expected: Role.member.actions),
        Row(key: .member, holder: .teamAdmin, binding: team, expected: Role.member.actions),
        Row(key: .member, holder: .viewer, binding: team, expected: Role.viewer.actions),
        // No membership, no rights.
        Row(key: .teamAdmin, holder: nil, binding: team, expected: []),
        // A role that does not fit the binding carries nothing.
        Row(key: .owner, holder: .owner, binding: team, expected: []),
        Row(key: .orgAdmin, holder: .orgAdmin, binding: team, expected: []),
        Row(key: .member, holder: .member, binding: organization, expected: []),
        // Org and platform keys never carry data-plane rights (the ceiling).
        Row(key: .orgAdmin, holder: .orgAdmin, binding: organization, expected: Role.orgAdmin.actions),
        Row(key: .owner, holder: .owner, binding: .platform, expected: Role.owner.actions),
    ]

    @Test(arguments: rows)
    func effectiveRightsAreTheIntersection(row: Row) {
        #expect(EffectiveRights.of(keyRole: row.key, holderRole: row.holder, binding: row.binding) == row.expected)
    }

    @Test func adminBindingsCarryNoDataPlaneAction() {
        for binding in [AccessBinding.platform, Self.organization] {
            #expect(binding.ceiling.allSatisfy { $0.plane == .admin })
        }
        #expect(Self.team.ceiling.contains(.chat))
    }

    @Test func actingRoleIsTheLowerOfKeyAndHolder() {
        #expect(EffectiveRights.role(keyRole: .teamAdmin, holderRole: .viewer) == .viewer)
        #expect(EffectiveRights.role(keyRole: .viewer, holderRole: .teamAdmin) == .viewer)
    }
}
