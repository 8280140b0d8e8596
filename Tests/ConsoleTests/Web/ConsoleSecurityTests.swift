import Foundation
import Gateway
import Tenancy
import Testing

@testable import Console

/// Web security of every console answer: CSRF tokens on state changes, escaping of every
/// template variable, a Content-Security-Policy without inline script that forbids framing.
@Suite struct ConsoleSecurityTests {
    @Test func aPostWithoutTheSessionsCSRFTokenChangesNothing() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["dave"]!)
            let missing = try await browser.post("/console/orgs/acme/teams", form: [("name", "forged")])
            #expect(missing.status == 403)
            let wrong = try await browser.post(
                "/console/orgs/acme/teams", form: [("name", "forged"), ("csrf", String(repeating: "A", count: 43))])
            #expect(wrong.status == 403)
            // Another session's token does not fit this one.
            let other = ConsoleBrowser(client: browser.client)
            try await other.signIn(keys["dave"]!)
            let othersToken = try await other.csrf()
            #expect(othersToken != (try await browser.csrf()))
            let crossed = try await browser.post(
                "/console/orgs/acme/teams", form: [("name", "forged"), ("csrf", othersToken)])
            #expect(crossed.status == 403)
            let page = try await browser.get("/console/orgs/acme")
            #expect(!page.body.contains("forged"))
            // With its own token the same form works.
            let honest = try await browser.post(
                "/console/orgs/acme/teams", form: [("name", "honest"), ("csrf", try await browser.csrf())])
            #expect(honest.status == 303)
            #expect(try await browser.get("/console/orgs/acme").body.contains("honest"))
        }
        let refused = try await world.auditRecords().filter { $0.reason == "csrf_token_invalid" }
        #expect(refused.count == 3)
    }

    @Test func aTeamNamedLikeMarkupRendersAsText() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let name = "<img src=x onerror=alert(1)>"
        try await world.test { browser in
            try await browser.signIn(keys["dave"]!)
            let created = try await browser.post(
                "/console/orgs/acme/teams", form: [("name", name), ("csrf", try await browser.csrf())])
            let page = created.status == 303 ? try await browser.get("/console/orgs/acme") : created
            #expect(!page.body.contains(name))
            if created.status == 303 {
                #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;"))
            } else {
                // Refused as a name: the message names it escaped, next to the field.
                #expect(page.body.contains("team-name-error"))
            }
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            var pages = [try await browser.get("/console/sign-in")]
            pages.append(try await browser.signIn(keys["dave"]!))
            pages.append(try await browser.get("/console"))
            pages.append(try await browser.get("/console/orgs"))
            pages.append(try await browser.get("/console/assets/console.js"))
            for page in pages {
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("frame-ancestors 'none'"))
                #expect(policy.contains("script-src 'self'"))
                #expect(!policy.contains("unsafe-inline"))
                #expect(page.headers[.init("X-Content-Type-Options")!] == "nosniff")
            }
            // No page carries inline script or inline event handlers.
            for page in pages where page.headers[.contentType]?.hasPrefix("text/html") == true {
                #expect(!page.body.contains("<script>"))
                #expect(page.body.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)
            }
        }
    }

    @Test func noTemplateWritesAVariableUnescaped() {
        for (name, source) in ConsoleTemplates.sources {
            #expect(!source.contains("{{{"), "\(name) uses {{{…}}}")
            #expect(!source.contains("{{&"), "\(name) uses {{&…}}")
            #expect(!source.contains("{{="), "\(name) changes delimiters")
        }
    }

    @Test func everyTemplateParsesAndEscapes() {
        let templates = ConsoleTemplates()
        let hostile = "<script>alert('x')</script>\"'&"
        let page = templates.render("error", ["heading": hostile, "message": hostile])
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&#39;&amp;"))
        for name in ConsoleTemplates.sources.keys {
            #expect(!templates.render(name, [:]).isEmpty, "\(name)")
        }
    }

    /// A quote followed by a combining mark is one Swift `Character`; swift-mustache's escaping
    /// (by Character) let it through raw, and a browser ends the attribute at the quote.
    @Test func aQuoteWithACombiningMarkIsEscapedToo() {
        let templates = ConsoleTemplates()
        let hostile = "x\"\u{301} formaction=/console/sign-out '\u{301}<\u{301}>\u{301}&\u{301}"
        let page = templates.render("error", ["heading": hostile, "message": hostile])
        #expect(page.contains("x&quot;\u{301} formaction=/console/sign-out &#39;\u{301}&lt;\u{301}&gt;\u{301}&amp;\u{301}"))
        // Every template takes the scalar escaping.
        for name in ConsoleTemplates.sources.keys {
            let page = templates.render(name, ["name": hostile, "heading": hostile, "message": hostile])
            #expect(!Self.hasMarkupBeforeACombiningMark(page), "\(name)")
        }
    }

    static func hasMarkupBeforeACombiningMark(_ page: String) -> Bool {
        let scalars = Array(page.unicodeScalars)
        return zip(scalars, scalars.dropFirst()).contains { "\"'<>&".unicodeScalars.contains($0) && $1 == "\u{301}" }
    }
}
