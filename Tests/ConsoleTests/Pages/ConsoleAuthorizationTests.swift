import Foundation
import Gateway
import Tenancy
import Testing

/// Each console page answers only the roles the API would answer: the same services decide,
/// so a member who types an admin page's address gets the API's refusal, and the navigation
/// offers nobody what they cannot use.
@Suite struct ConsoleAuthorizationTests {
    @Test func aMemberSeesNoAdminPagesAndCannotReachThemByURL() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let home = try await browser.get("/console")
            #expect(!home.body.contains("/console/orgs"))
            #expect(!home.body.contains("/console/teams/\(sales)\""))
            #expect(home.body.contains("/console/playground"))
            #expect(try await browser.get("/console/orgs").status == 403)
            #expect(try await browser.get("/console/orgs/acme").status == 403)
            #expect(try await browser.get("/console/teams/\(sales)").status == 403)
            #expect(try await browser.get("/console/teams/\(sales)/profile").status == 403)
            let csrf = try await browser.csrf()
            let forged = try await browser.post(
                "/console/teams/\(sales)/keys", form: [("user", "bob"), ("role", "admin"), ("csrf", csrf)])
            #expect(forged.status == 403)
            #expect(!forged.body.contains(#"id="secret""#))
        }
    }

    @Test func aTeamAdminManagesOnlyItsOwnTeam() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        let development = try await world.teamID("acme/development")
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let team = try await browser.get("/console/teams/\(sales)")
            #expect(team.status == 200)
            #expect(team.body.contains("Issue a key"))
            let other = try await browser.get("/console/teams/\(development)")
            #expect(other.status == 404)
            #expect(!other.body.contains("carol"))
            #expect(try await browser.get("/console/orgs").status == 403)
        }
    }

    @Test func theOwnerHasNoPlayground() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["owner"]!)
            let home = try await browser.get("/console")
            #expect(!home.body.contains("/console/playground"))
            #expect(try await browser.get("/console/playground").status == 403)
            #expect(try await browser.get("/console/orgs").status == 200)
        }
    }

    @Test func pagesWithoutASessionSendToSignIn() async throws {
        let world = try ConsoleWorld()
        let sales = "team_x"
        try await world.test { browser in
            for path in [
                "/console", "/console/orgs", "/console/orgs/acme", "/console/teams/\(sales)",
                "/console/teams/\(sales)/profile", "/console/playground", "/console/alerts",
                "/console/audit?verify=1",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == 303, "\(path)")
                #expect(page.location == "/console/sign-in", "\(path)")
            }
            let post = try await browser.post("/console/orgs", form: [("name", "x")])
            #expect(post.location == "/console/sign-in")
        }
    }
}
