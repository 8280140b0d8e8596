import Foundation
import Testing

@testable import Tenancy

/// Who may send alerts where: the owner anywhere (the platform's own destinations only the
/// owner), an org admin its organization and its teams, a team admin only its own team.
@Suite struct AlertDestinationPolicyTests {
    @Test func onlyTheOwnerManagesPlatformWideDestinations() {
        for role in Role.allCases {
            let decision = Policy.decide(Principals.make(role), .manageAlertDestinations, .platform)
            #expect(decision.isAllowed == (role == .owner), "\(role): \(decision)")
        }
    }

    @Test func teamAdminCannotManageOrganizationWideDestinations() {
        let decision = Policy.decide(
            Principals.make(.teamAdmin), .manageAlertDestinations, .organization(Principals.acme))
        #expect(decision == .deny(.roleNotAllowed))  // its own organization: no attempt on another tenant
        #expect(Policy.decide(Principals.make(.teamAdmin), .manageAlertDestinations, .team(Principals.sales)).isAllowed)
    }

    @Test func teamAdminCannotManageAnotherTeamsDestinations() {
        let decision = Policy.decide(
            Principals.make(.teamAdmin), .manageAlertDestinations, .team(Principals.development))
        #expect(decision == .deny(.crossTenant))
    }

    @Test func acmeAdminCannotManageGlobexDestinations() {
        let admin = Principals.make(.orgAdmin)
        #expect(Policy.decide(admin, .manageAlertDestinations, .organization(Principals.acme)).isAllowed)
        #expect(Policy.decide(admin, .manageAlertDestinations, .organization(Principals.globex)) == .deny(.crossTenant))
        #expect(Policy.decide(admin, .manageAlertDestinations, .team(Principals.research)) == .deny(.crossTenant))
    }

    @Test func membersAndViewersSeeNoDestinations() {
        for role in [Role.member, .viewer] {
            let visibility = Policy.visibility(of: Principals.make(role), for: .readAlertDestinations)
            #expect(!visibility.includesAlertDestination(organization: Principals.acme, teams: [Principals.sales.id]))
        }
    }

    @Test func teamAdminSeesOnlyDestinationsScopedToExactlyItsTeam() {
        let visibility = Policy.visibility(of: Principals.make(.teamAdmin), for: .readAlertDestinations)
        let sales = Principals.sales.id
        let development = Principals.development.id
        #expect(visibility.includesAlertDestination(organization: Principals.acme, teams: [sales]))
        #expect(!visibility.includesAlertDestination(organization: Principals.acme, teams: []), "organization-wide")
        #expect(!visibility.includesAlertDestination(organization: Principals.acme, teams: [sales, development]))
        #expect(!visibility.includesAlertDestination(organization: Principals.acme, teams: [development]))
        #expect(!visibility.includesAlertDestination(organization: nil, teams: []), "platform-wide")
    }

    @Test func orgAdminSeesItsOrganizationsDestinationsOnly() {
        let visibility = Policy.visibility(of: Principals.make(.orgAdmin), for: .readAlertDestinations)
        #expect(visibility.includesAlertDestination(organization: Principals.acme, teams: []))
        #expect(visibility.includesAlertDestination(organization: Principals.acme, teams: [Principals.development.id]))
        #expect(!visibility.includesAlertDestination(organization: Principals.globex, teams: []))
        #expect(!visibility.includesAlertDestination(organization: nil, teams: []))
    }

    @Test func signatureIsHMACOfTimestampDotBody() {
        let secret = WebhookSecret(stored: "whsec_test")
        let body = Data(#"{"kind":"address_blocked"}"#.utf8)
        let signature = secret.signature(timestamp: 1_800_000_000, body: body)
        // openssl: printf '1800000000.{"kind":"address_blocked"}' | openssl dgst -sha256 -hmac whsec_test
        #expect(signature == "sha256=" + Self.expectedHex)
        #expect(secret.verifies(signature, timestamp: 1_800_000_000, body: body))
        #expect(!secret.verifies(signature, timestamp: 1_800_000_001, body: body), "the timestamp is signed")
        #expect(!WebhookSecret(stored: "whsec_other").verifies(signature, timestamp: 1_800_000_000, body: body))
    }

    @Test func generatedSecretsAreLongRandomAndRedactedInDescriptions() {
        let one = WebhookSecret.generate()
        let two = WebhookSecret.generate()
        #expect(one.revealed.hasPrefix("whsec_") && one.revealed.count == 6 + 43)
        #expect(one != two)
        #expect(!"\(one)".contains(one.revealed.dropFirst(6)))
    }

    static let expectedHex = "55cca559483881b9786d947371c7643f185b1f2f55c147aa14a97dbeb7cfcef6"
}
