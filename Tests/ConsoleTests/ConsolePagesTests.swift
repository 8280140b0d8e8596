import Foundation
import Testing

/// The console does what the API does: the acts made in its forms are the services' acts,
/// visible afterwards through the same services.
@Suite struct ConsolePagesTests {
    @Test func anOrgAdminCreatesATeamAUserAMembershipAndAKey() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["dave"]!)
            var csrf = try await browser.csrf()
            #expect(try await browser.post("/console/orgs/acme/teams", form: [("name", "support"), ("csrf", csrf)]).status == 303)
            let support = try await world.teamID("acme/support")
            let user = try await browser.post(
                "/console/orgs/acme/users", form: [("name", "zoe"), ("email", "zoe@example.com"), ("csrf", csrf)])
            #expect(user.status == 201)
            #expect(user.body.contains("zoe"))
            let member = try await browser.post(
                "/console/teams/\(support)/members", form: [("user", "zoe"), ("role", "member"), ("csrf", csrf)])
            #expect(member.status == 303)
            let team = try await browser.get("/console/teams/\(support)")
            #expect(team.body.contains("member"))
            csrf = try #require(team.csrf)
            let issued = try await browser.post(
                "/console/teams/\(support)/keys",
                form: [("user", "zoe"), ("name", "laptop"), ("expires_in_days", "30"), ("csrf", csrf)])
            #expect(issued.status == 201)
            let secret = try #require(
                issued.body.range(of: #"atr_[A-Za-z0-9]+"#, options: .regularExpression).map { String(issued.body[$0]) })
            #expect(issued.body.contains("data-copy=\"secret\""))
            // Shown once: the team page lists the key by prefix, never the secret.
            let listed = try await browser.get("/console/teams/\(support)")
            #expect(listed.body.contains("laptop"))
            #expect(!listed.body.contains(secret))
            // The key works on the API.
            let principal = try await world.gateway.authenticator.authenticate(
                authorization: "Bearer \(secret)", audit: .init(requestID: "t", action: "t", resource: "t"))
            #expect(principal.teamID?.rawValue == support)
            // Revoke it from the list.
            let revokePath = try #require(
                listed.body.range(of: #"/console/teams/[^"]+/keys/[^"]+/revoke"#, options: .regularExpression)
                    .map { String(listed.body[$0]) })
            #expect(try await browser.post(revokePath, form: [("csrf", csrf)]).status == 303)
            await #expect(throws: (any Error).self) {
                try await world.gateway.authenticator.authenticate(
                    authorization: "Bearer \(secret)", audit: .init(requestID: "t", action: "t", resource: "t"))
            }
        }
    }

    @Test func theAPIsFieldErrorIsShownNextToTheField() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let csrf = try await browser.csrf()
            let page = try await browser.post(
                "/console/teams/\(sales)/profile",
                form: [("system_prompt", "Be brief."), ("temperature", "7"), ("top_p", "1"), ("max_tokens", "64"), ("csrf", csrf)])
            #expect(page.status == 400)
            #expect(page.body.contains(#"id="temperature-error""#))
            #expect(page.body.contains("between 0 and 2"))
            // What was typed comes back.
            #expect(page.body.contains("Be brief."))
        }
    }

    @Test func aSavedProfileShapesTheNextPlaygroundAnswer() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let saved = try await browser.post(
                "/console/teams/\(sales)/profile",
                form: [
                    ("system_prompt", "You answer for team {{team}}."), ("temperature", "0.2"), ("top_p", "0.9"),
                    ("max_tokens", "64"), ("csrf", try await browser.csrf()),
                ])
            #expect(saved.status == 303)
            let profile = try await browser.get("/console/teams/\(sales)/profile")
            #expect(profile.body.contains("You answer for team {{team}}."))

            let member = ConsoleBrowser(client: browser.client)
            try await member.signIn(keys["bob"]!)
            #expect(try await member.get("/console/playground").status == 200)
            let answer = try await member.postJSON(
                "/console/playground/chat", json: #"{"message":"Hello?"}"#,
                headers: [.init("X-CSRF-Token")!: try await member.csrf()])
            #expect(answer.status == 200)
            #expect(answer.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            #expect(answer.body.contains(#"data: {"sources":[]}"#))
            #expect(answer.body.contains(#""delta":"Hello""#))
            #expect(answer.body.contains(#""done":"stop""#))
            let request = try #require(world.backend.requests.last)
            #expect(request.messages.first?.content.contains("You answer for team sales.") == true)
            #expect(request.sampling.temperature == 0.2)

            // Without the CSRF header the fetch is refused and reaches no model.
            let before = world.backend.requests.count
            let forged = try await member.postJSON("/console/playground/chat", json: #"{"message":"Hello?"}"#)
            #expect(forged.status == 403)
            #expect(world.backend.requests.count == before)
        }
    }
}
