import Foundation
import Gateway
import Tenancy
import Testing

/// The profile editor holds everything a profile holds — sampling defaults and the
/// answer-length ceiling, allowed models, retrieval, the semantic cache, guardrails — saved
/// through the same service and validation as `PUT …/profile`; a refused value is shown next
/// to the field the API named, with what was typed.
@Suite struct ProfilePageTests {
    static func form(_ csrf: String, _ changes: [String: String] = [:]) -> [(String, String)] {
        var fields: [String: String] = [
            "system_prompt": "You answer for {{team}}.", "temperature": "0.3", "top_p": "0.8", "max_tokens": "200",
            "retrieval_shown": "1", "retrieval_enabled": "1", "retrieval_top_k": "6",
            "retrieval_chunks_per_document": "3", "retrieval_collections": "handbook, faq",
            "allowed_models": "test-model", "semantic_cache_shown": "1", "semantic_cache_enabled": "1",
            "semantic_cache_threshold": "0.95",
            "guardrails": #"{"pii":{"email":"redact"},"injection":{"input":"flag","sources":"drop_chunk"}}"#,
            "csrf": csrf,
        ]
        for (name, value) in changes { fields[name] = value }
        return fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func savedProfile(_ world: ConsoleWorld, _ keys: [String: String]) async throws -> PromptProfile {
        let alice = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(keys["alice"]!)", audit: .init(requestID: "t", action: "t", resource: "t"))
        return try await world.gateway.administration.profile(
            of: "acme/sales", principal: alice, audit: .init(requestID: "t", action: "t", resource: "t"))
    }

    @Test func everySettingIsSavedThroughTheService() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let saved = try await browser.post(
                "/console/teams/\(sales)/profile", form: Self.form(try await browser.csrf()))
            #expect(saved.status == 303, "\(saved.body)")
            let profile = try await savedProfile(world, keys)
            #expect(profile.temperature == 0.3 && profile.topP == 0.8 && profile.maxTokens == 200)
            #expect(profile.retrieval.enabled && profile.retrieval.topK == 6)
            #expect(profile.retrieval.chunksPerDocument == 3)
            #expect(profile.retrieval.collections == ["handbook", "faq"])
            #expect(profile.allowedModels == ["test-model"])
            #expect(profile.semanticCache.enabled && profile.semanticCache.threshold == 0.95)
            #expect(profile.guardrails.action(for: .email) == .redact)
            #expect(profile.guardrails.injection.sources == .dropChunk)

            // The page shows what was saved, the guardrails as the API's JSON.
            let page = try await browser.get("/console/teams/\(sales)/profile")
            #expect(page.body.contains(#"value="handbook, faq""#))
            #expect(page.body.contains(#"id="semantic-cache-enabled" name="semantic_cache_enabled" value="1""#))
            #expect(page.body.contains("&quot;email&quot; : &quot;redact&quot;"))
            #expect(page.body.contains("Served here: test-model"))

            // Emptying the guardrails and the allowed models turns them off.
            let cleared = try await browser.post(
                "/console/teams/\(sales)/profile",
                form: Self.form(try #require(page.csrf), ["guardrails": "", "allowed_models": ""]))
            #expect(cleared.status == 303)
            let after = try await savedProfile(world, keys)
            #expect(after.guardrails == .off)
            #expect(after.allowedModels.isEmpty)
        }
    }

    /// A browser drops the line break right after `<textarea>` and sends a text area's line
    /// breaks as CR LF: a profile saved unchanged once lost its prompt's leading blank line and
    /// had every line break rewritten (attack round 4).
    @Test func aProfileSavedUnchangedKeepsItsPromptToTheByte() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        let prompt = "\n\nLeading blank lines.\nSecond line\ttab.  "
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let typed = prompt.replacingOccurrences(of: "\n", with: "\r\n")  // as a browser posts it
            let saved = try await browser.post(
                "/console/teams/\(sales)/profile", form: Self.form(try await browser.csrf(), ["system_prompt": typed]))
            #expect(saved.status == 303, "\(saved.body)")
            #expect(try await savedProfile(world, keys).systemPrompt == prompt)

            // What a browser reads out of the page's text area, posted back unchanged.
            let page = try await browser.get("/console/teams/\(sales)/profile")
            let area = try #require(page.body.range(of: #"(?s)id="system-prompt"[^>]*>(.*?)</textarea>"#, options: .regularExpression))
            var shown = String(page.body[area])
            shown = String(shown[shown.index(after: try #require(shown.firstIndex(of: ">")))...].dropLast("</textarea>".count))
            if shown.hasPrefix("\n") { shown.removeFirst() }
            #expect(shown == prompt)
            let again = try await browser.post(
                "/console/teams/\(sales)/profile",
                form: Self.form(try #require(page.csrf), ["system_prompt": shown.replacingOccurrences(of: "\n", with: "\r\n")]))
            #expect(again.status == 303)
            #expect(try await savedProfile(world, keys).systemPrompt == prompt)
        }
    }

    @Test(arguments: [
        ("semantic_cache_threshold", "1.5", "semantic-cache-threshold-error", "cosine similarity"),
        ("retrieval_chunks_per_document", "99", "retrieval-chunks-per-document-error", "1 to 50"),
        ("retrieval_top_k", "0", "retrieval-top-k-error", "1 to 50"),
        ("max_tokens", "999999", "max-tokens-error", "1 to 131072"),
        ("guardrails", "{not json", "guardrails-error", "must be a JSON object"),
        ("guardrails", #"{"injection":{"input":"drop_chunk"}}"#, "guardrails-error", "retrieved sources only"),
    ])
    func aRefusedValueIsShownNextToItsField(field: String, value: String, errorID: String, message: String)
        async throws
    {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["alice"]!)
            let page = try await browser.post(
                "/console/teams/\(sales)/profile", form: Self.form(try await browser.csrf(), [field: value]))
            #expect(page.status == 400, "\(page.body)")
            #expect(page.body.contains("id=\"\(errorID)\""), "\(page.body)")
            #expect(page.body.contains(message), "\(page.body)")
            // Nothing was saved; what was typed comes back.
            #expect(try await savedProfile(world, keys).version == 0)
            #expect(page.body.contains("You answer for {{team}}."))
        }
    }

    @Test func aMemberAndAForgedPostChangeNothing() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let sales = try await world.teamID("acme/sales")
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let member = try await browser.post(
                "/console/teams/\(sales)/profile", form: Self.form(try await browser.csrf()))
            #expect(member.status == 403)

            let alice = ConsoleBrowser(client: browser.client)
            try await alice.signIn(keys["alice"]!)
            let forged = try await alice.post("/console/teams/\(sales)/profile", form: Self.form("forged"))
            #expect(forged.status == 403)
            #expect(try await savedProfile(world, keys).version == 0)
        }
    }
}
