import Foundation
import Gateway
import Tenancy
import Testing

/// The alerts page shows what `GET /v1/admin/alerts` shows each role: an org admin its
/// organization's alerts, a team admin those about its own team, a member none (no link, and
/// the address answers 403); filters are the API's, a bad one is shown next to its field.
@Suite struct AlertsPageTests {
    @Test func aCrossTeamAttemptShowsToTheAdminsOfBothSidesAndToNoMember() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let development = try await world.teamID("acme/development")
        try await world.test { browser in
            // Alice (sales admin) reaches for development's team page: 404 and an alert.
            try await browser.signIn(keys["alice"]!)
            #expect(try await browser.get("/console/teams/\(development)").status == 404)
            let own = try await browser.get("/console/alerts")
            #expect(own.status == 200)
            #expect(own.body.contains("cross_team_attempt"))
            // Her side never learns the other team's id.
            #expect(!own.body.contains(development))
            #expect(own.body.contains(#"href="/console/alerts" aria-current="page""#))

            let dave = ConsoleBrowser(client: browser.client)
            try await dave.signIn(keys["dave"]!)
            let organization = try await dave.get("/console/alerts?team=acme/development")
            #expect(organization.status == 200)
            #expect(organization.body.contains("cross_team_attempt"))
            #expect(organization.body.contains(development))

            let bob = ConsoleBrowser(client: browser.client)
            try await bob.signIn(keys["bob"]!)
            #expect(!(try await bob.get("/console").body.contains("/console/alerts")))
            let refused = try await bob.get("/console/alerts")
            #expect(refused.status == 403)
            #expect(!refused.body.contains("cross_team_attempt"))
        }
    }

    @Test func aTeamAdminCannotFilterForAnotherTeamsAlerts() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let other = try await browser.get("/console/alerts?team=acme/development")
            #expect(other.status == 404)
            #expect(!other.body.contains("<tbody>"))
        }
    }

    @Test func aBadFilterIsShownNextToItsFieldAsText() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["dave"]!)
            let markup = "<img src=x onerror=alert(1)>"
            let page = try await browser.get(
                "/console/alerts?since=\(ConsoleBrowser.encode(markup))&limit=\(ConsoleBrowser.encode("9999"))")
            #expect(page.status == 200)
            #expect(page.body.contains(#"id="alerts-since-error""#))
            #expect(page.body.contains(#"aria-invalid="true""#))
            #expect(!page.body.contains("<img src=x"))
            #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;"))
        }
    }
}
