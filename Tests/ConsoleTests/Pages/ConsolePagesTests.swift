import Foundation
import Gateway
import Tenancy
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
            #expect(
                try await browser.post("/console/orgs/acme/teams", form: [("name", "support"), ("csrf", csrf)]).status
                    == 303)
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
            let field = try #require(issued.body.range(of: #"id="secret" readonly value=""#))
            let secret = String(issued.body[field.upperBound...].prefix { $0 != "\"" })
            #expect(secret.hasPrefix("atr_"))
            #expect(issued.body.contains("data-copy=\"secret\""))
            // Shown once: the team page lists the key by prefix, never the secret.
            let listed = try await browser.get("/console/teams/\(support)")
            #expect(listed.body.contains("laptop"))
            #expect(!listed.body.contains(secret))
            // The key works on the API.
            let principal = try await world.gateway.authenticator.authenticate(
                authorization: "Bearer \(secret)", audit: .init(requestID: "t", action: "t", resource: "t"))
            #expect(principal.teamID?.rawValue == support)
            // Reached by its address (`acme%2Fsupport`), the page's forms keep the address one segment.
            let byAddress = try await browser.get("/console/teams/acme%2Fsupport")
            #expect(byAddress.body.contains(#"action="/console/teams/acme%2Fsupport/members""#))
            #expect(!byAddress.body.contains("/console/teams/acme/support"))
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

    /// A path segment the console refuses (over 200 bytes) is its 404 page and an audited
    /// request on every route, signed in or not — it was a bare 500 on the routes that read
    /// the segment before the request was handled. The org page shows no "user created"
    /// notice unless one was.
    @Test func aBadPathSegmentIsTheConsoles404AndAuditedNotA500() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let long = String(repeating: "a", count: 201)
        try await world.test { browser in
            for path in ["/console/teams/\(long)/profile", "/console/teams/\(long)/limits", "/console/knowledge/\(long)"] {
                #expect(try await browser.get(path).status != 500, "\(path), signed out")
            }
            try await browser.signIn(keys["dave"]!)
            let organization = try await browser.get("/console/orgs/acme")
            #expect(organization.status == 200 && !organization.body.contains("created (id"), "\(organization.body)")
            let csrf = try await browser.csrf()
            let before = try await world.auditRecords().count
            for (path, form) in [
                ("/console/teams/\(long)/profile", [("system_prompt", "x"), ("csrf", csrf)]),
                ("/console/teams/\(long)/limits", [("csrf", csrf)]),
                ("/console/orgs/\(long)/teams", [("name", "x"), ("csrf", csrf)]),
                ("/console/knowledge/\(long)/delete", [("csrf", csrf)]),
            ] {
                let answer = try await browser.post(path, form: form)
                #expect(answer.status == 404, "\(path): \(answer.status)")
            }
            for page in ["/console/teams/\(long)/profile", "/console/knowledge/\(long)"] {
                let answer = try await browser.get(page)
                #expect(answer.status == 404 && answer.body.contains("No such page."), "\(page)")
            }
            var records = try await world.auditRecords().count
            for _ in 0..<300 where records < before + 6 {
                try await Task.sleep(for: .milliseconds(10))
                records = try await world.auditRecords().count
            }
            #expect(records >= before + 6, "every refused request has its record")
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
                form: [
                    ("system_prompt", "Be brief."), ("temperature", "7"), ("top_p", "1"), ("max_tokens", "64"),
                    ("csrf", csrf),
                ])
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
            // The preview fills the variables by the compose stage's rule.
            #expect(profile.body.contains(#"<pre id="preview" class="preview">You answer for team sales.</pre>"#))
            let draft = try await browser.post(
                "/console/teams/\(sales)/profile/preview",
                form: [("system_prompt", "{{org}}: {{user}} <b>"), ("csrf", try #require(profile.csrf))])
            #expect(draft.status == 200)
            #expect(draft.body.contains(#"<pre id="preview" class="preview">acme: alice &lt;b&gt;</pre>"#))
            #expect(
                try await browser.get("/console/teams/\(sales)/profile").body.contains("You answer for team {{team}}."))

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

            // The answer's tokens (7 + 3, the scripted backend's) show in the usage charts.
            await world.writer.flush()
            let usage = try await browser.get("/console/usage")
            #expect(usage.status == 200)
            #expect(usage.body.contains("<svg"))
            #expect(usage.body.contains(">10</text>"))
            #expect(usage.body.contains(">bob</text>"))

            // Without the CSRF header the fetch is refused and reaches no model.
            let before = world.backend.requests.count
            let forged = try await member.postJSON("/console/playground/chat", json: #"{"message":"Hello?"}"#)
            #expect(forged.status == 403)
            #expect(world.backend.requests.count == before)
        }
    }

    @Test func anOrgAdminSetsLimitsThatTheTeamAdminReadsButCannotRaise() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["dave"]!)
            var csrf = try await browser.csrf()
            // Every field sent, as the page's form sends them: one left out is refused now
            // (LimitsPageTests), where it once read as empty and lifted that limit.
            func form(_ values: [String: String], csrf: String) -> [(String, String)] {
                LimitsPageTests.fields.map { ($0, values[$0] ?? "") } + [("csrf", csrf)]
            }
            let bad = try await browser.post(
                "/console/teams/\(sales)/limits", form: form(["requests_per_minute": "0"], csrf: csrf))
            #expect(bad.status == 400)
            #expect(bad.body.contains(#"id="requests-per-minute-error""#))
            let saved = try await browser.post(
                "/console/teams/\(sales)/limits",
                form: form(["requests_per_minute": "30", "monthly_tokens": "100000", "weight": "2"], csrf: csrf))
            #expect(saved.status == 303)

            let admin = ConsoleBrowser(client: browser.client)
            try await admin.signIn(keys["alice"]!)
            let page = try await admin.get("/console/teams/\(sales)/limits")
            #expect(page.status == 200)
            #expect(page.body.contains(#"value="30""#))
            #expect(!page.body.contains("Save limits"))
            csrf = try #require(page.csrf)
            let raised = try await admin.post(
                "/console/teams/\(sales)/limits", form: form(["requests_per_minute": "3000"], csrf: csrf))
            #expect(raised.status == 403)
        }
        let limits = try await world.gateway.administration.limits(
            of: "acme/sales",
            principal: try await world.gateway.authenticator.authenticate(
                authorization: "Bearer \(keys["dave"]!)", audit: .init(requestID: "t", action: "t", resource: "t")),
            audit: .init(requestID: "t", action: "t", resource: "t"))
        #expect(limits.requestsPerMinute == 30)
        #expect(limits.monthlyTokens == 100_000)
        #expect(limits.weight == 2)
    }

    @Test func theAuditBrowserShowsTheTeamsRecordsAndNamesABadFilter() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            await world.writer.flush()
            let page = try await browser.get("/console/audit")
            #expect(page.status == 200)
            #expect(page.body.contains("console.sign_in"))
            let bad = try await browser.get("/console/audit?since=yesterday")
            #expect(bad.body.contains(#"id="audit-since-error""#))
            // Read as the API reads instants: years a bare ISO 8601 formatter took are refused.
            for (field, value) in [("since", "999999999999999-01-01"), ("until", "-271821-04-20")] {
                let outside = try await browser.get("/console/audit?\(field)=\(value)")
                #expect(outside.body.contains(#"id="audit-\#(field)-error""#), "\(field)=\(value)")
            }
            let within = try await browser.get("/console/audit?since=2026-01-01&until=1767225600").body
            #expect(!within.contains(#"id="audit-since-error""#) && !within.contains(#"id="audit-until-error""#))

            let member = ConsoleBrowser(client: browser.client)
            try await member.signIn(keys["bob"]!)
            #expect(!(try await member.get("/console").body.contains("/console/audit")))
            #expect(try await member.get("/console/audit").status == 403)
        }
    }
}
