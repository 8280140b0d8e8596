import Testing
@testable import Tenancy

/// "A key can only be minted with a subset of its creator's rights", as a table.
@Suite struct KeyIssuanceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let creator: Principal
        let holder: String
        let binding: AccessBinding
        let role: Role
        let holderRole: Role?
        let expected: Decision
        var description: String { name }
    }

    static let sales = AccessBinding.team(Principals.sales)
    static let development = AccessBinding.team(Principals.development)
    static let acme = AccessBinding.organization(Principals.acme)
    static let globex = AccessBinding.organization(Principals.globex)

    static let cases: [Case] = [
        Case(name: "team admin mints a member key for a member", creator: Principals.make(.teamAdmin), holder: "usr_bob",
             binding: sales, role: .member, holderRole: .member, expected: .allow),
        Case(name: "team admin mints a team admin key for another team admin", creator: Principals.make(.teamAdmin),
             holder: "usr_bob", binding: sales, role: .teamAdmin, holderRole: .teamAdmin, expected: .allow),
        Case(name: "team admin mints a viewer key for itself", creator: Principals.make(.teamAdmin), holder: "usr_alice",
             binding: sales, role: .viewer, holderRole: .teamAdmin, expected: .allow),
        Case(name: "team admin cannot mint in another team", creator: Principals.make(.teamAdmin), holder: "usr_bob",
             binding: development, role: .member, holderRole: .member, expected: .deny(.crossTenant)),
        Case(name: "team admin cannot mint an org admin key", creator: Principals.make(.teamAdmin), holder: "usr_bob",
             binding: acme, role: .orgAdmin, holderRole: .orgAdmin, expected: .deny(.roleNotAllowed)),
        Case(name: "member cannot mint keys", creator: Principals.make(.member), holder: "usr_bob",
             binding: sales, role: .viewer, holderRole: .viewer, expected: .deny(.roleNotAllowed)),
        Case(name: "demoted team admin cannot mint keys", creator: Principals.make(.teamAdmin, holderRole: .member),
             holder: "usr_bob", binding: sales, role: .viewer, holderRole: .viewer, expected: .deny(.roleNotAllowed)),
        Case(name: "key cannot exceed its holder's team role", creator: Principals.make(.orgAdmin), holder: "usr_bob",
             binding: sales, role: .teamAdmin, holderRole: .viewer, expected: .deny(.exceedsHolderMembership)),
        Case(name: "key needs a holder who is in the team", creator: Principals.make(.orgAdmin), holder: "usr_bob",
             binding: sales, role: .viewer, holderRole: nil, expected: .deny(.exceedsHolderMembership)),
        Case(name: "org admin mints a team admin key in its org", creator: Principals.make(.orgAdmin), holder: "usr_bob",
             binding: development, role: .teamAdmin, holderRole: .teamAdmin, expected: .allow),
        Case(name: "org admin mints an org key for a fellow org admin", creator: Principals.make(.orgAdmin),
             holder: "usr_bob", binding: acme, role: .orgAdmin, holderRole: .orgAdmin, expected: .allow),
        Case(name: "org admin cannot mint in another organization", creator: Principals.make(.orgAdmin),
             holder: "usr_bob", binding: globex, role: .orgAdmin, holderRole: .orgAdmin, expected: .deny(.crossTenant)),
        Case(name: "org admin cannot mint itself data rights", creator: Principals.make(.orgAdmin), holder: "usr_alice",
             binding: sales, role: .member, holderRole: .member, expected: .deny(.exceedsCreatorRights)),
        Case(name: "org admin cannot mint an owner key", creator: Principals.make(.orgAdmin), holder: "usr_bob",
             binding: .platform, role: .owner, holderRole: .owner, expected: .deny(.roleNotAllowed)),  // the platform is no tenant: a role it lacks
        Case(name: "owner mints an org admin key for an org admin", creator: Principals.make(.owner), holder: "usr_bob",
             binding: acme, role: .orgAdmin, holderRole: .orgAdmin, expected: .allow),
        Case(name: "owner mints a member key for a team member", creator: Principals.make(.owner), holder: "usr_bob",
             binding: sales, role: .member, holderRole: .member, expected: .allow),
        Case(name: "owner cannot mint itself data rights", creator: Principals.make(.owner), holder: "usr_alice",
             binding: sales, role: .member, holderRole: .member, expected: .deny(.exceedsCreatorRights)),
        Case(name: "owner rotates its own owner key", creator: Principals.make(.owner), holder: "usr_alice",
             binding: .platform, role: .owner, holderRole: .owner, expected: .allow),
        Case(name: "owner cannot make a non-owner an owner", creator: Principals.make(.owner), holder: "usr_bob",
             binding: .platform, role: .owner, holderRole: nil, expected: .deny(.exceedsHolderMembership)),
        Case(name: "role must fit the binding", creator: Principals.make(.owner), holder: "usr_bob",
             binding: acme, role: .member, holderRole: .orgAdmin, expected: .deny(.roleDoesNotFitBinding)),
    ]

    @Test(arguments: cases)
    func keyCarriesOnlyRightsItsCreatorMayConfer(testCase: Case) {
        let request = KeyRequest(holder: UserID(rawValue: testCase.holder), binding: testCase.binding, role: testCase.role)
        let decision = KeyIssuance.decide(creator: testCase.creator, request: request, holderRole: testCase.holderRole)
        #expect(decision == testCase.expected, "\(testCase.name)")
    }

    @Test func membershipRoleMayNotOutrankItsGranter() {
        let teamAdmin = Principals.make(.teamAdmin)
        #expect(KeyIssuance.decideMembership(creator: teamAdmin, team: Principals.sales, role: .teamAdmin) == .allow)
        #expect(KeyIssuance.decideMembership(creator: teamAdmin, team: Principals.development, role: .member)
            == .deny(.crossTenant))
        #expect(KeyIssuance.decideMembership(creator: teamAdmin, team: Principals.sales, role: .orgAdmin)
            == .deny(.roleDoesNotFitBinding))
        #expect(KeyIssuance.decideMembership(creator: Principals.make(.member), team: Principals.sales, role: .viewer)
            == .deny(.roleNotAllowed))
    }
}
