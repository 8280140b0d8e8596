import Foundation
import Gateway
import Hummingbird
import Tenancy
import Testing

/// The team's knowledge in the console: a member makes a collection, uploads a document,
/// finds it with each search mode, sees the playground cite it, and deletes it; a viewer
/// reads but cannot write; nobody reaches another team's collections.
@Suite struct KnowledgePageTests {
    static let handbook = """
        # Returns

        Customers may return any product within 30 days for a full refund, with the receipt.
        """

    @Test func aMemberUploadsSearchesCitesAndDeletesADocument() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let dave = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(keys["dave"]!)", audit: .init(requestID: "t", action: "t", resource: "t"))
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(retrieval: try RetrievalSettings(enabled: true, topK: 2, collections: ["handbook"])),
            of: "acme/sales", principal: dave, audit: .init(requestID: "t", action: "t", resource: "t"))
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let csrf = try await browser.csrf()
            #expect(try await browser.get("/console").body.contains("/console/knowledge"))
            #expect(
                try await browser.post("/console/knowledge", form: [("name", "handbook"), ("csrf", csrf)]).status == 303
            )

            let uploaded = try await browser.send(
                .post, "/console/knowledge/handbook/documents", body: Self.handbook,
                headers: [
                    .init("X-CSRF-Token")!: csrf, .init("X-Document-Name")!: "returns%20policy.md",
                    .contentType: "text/markdown",
                ])
            #expect(uploaded.status == 201, "\(uploaded.body)")
            #expect(uploaded.body.contains(#""name":"returns policy.md""#))
            // Without the token nothing is stored.
            let forged = try await browser.send(
                .post, "/console/knowledge/handbook/documents", body: "forged",
                headers: [.init("X-Document-Name")!: "forged.md", .contentType: "text/markdown"])
            #expect(forged.status == 403)

            let page = try await browser.get("/console/knowledge/handbook?query=return%20refund")
            #expect(page.body.contains("returns policy.md"))
            #expect(!page.body.contains("forged.md"))
            for mode in ["bm25", "vector", "hybrid"] {
                #expect(page.body.contains("aria-label=\"\(mode) results\""), "\(mode)")
            }
            #expect(page.body.components(separatedBy: "<strong>returns policy.md</strong>").count - 1 == 3)

            let answer = try await browser.postJSON(
                "/console/playground/chat", json: #"{"message":"Can I return a product for a refund?"}"#,
                headers: [.init("X-CSRF-Token")!: csrf])
            #expect(answer.body.contains(#""document":"returns policy.md""#), "\(answer.body)")
            // The citation names the section of the document the chunk came from.
            #expect(answer.body.contains(#""section":"Returns""#), "\(answer.body)")

            let delete = try #require(
                page.body.range(of: #"/console/knowledge/handbook/documents/[^"]+/delete"#, options: .regularExpression)
                    .map { String(page.body[$0]) })
            #expect(try await browser.post(delete, form: [("csrf", csrf)]).status == 303)
            #expect(!(try await browser.get("/console/knowledge/handbook").body.contains("returns policy.md")))
        }
    }

    /// A quote with a combining mark (one Swift `Character`) once left the escaping raw and gave
    /// the Delete button the attributes the name carried (attack round 4); the query field too.
    @Test func aDocumentNamedToBreakAnAttributeRendersAsText() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let csrf = try await browser.csrf()
            #expect(try await browser.post("/console/knowledge", form: [("name", "handbook"), ("csrf", csrf)]).status == 303)
            let name = "q3.md\"\u{301} formaction=/console/sign-out name=x"
            let uploaded = try await browser.send(
                .post, "/console/knowledge/handbook/documents", body: Self.handbook,
                headers: [
                    .init("X-CSRF-Token")!: csrf,
                    .init("X-Document-Name")!: name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                    .contentType: "text/markdown",
                ])
            #expect(uploaded.status == 201, "\(uploaded.body)")
            let page = try await browser.get("/console/knowledge/handbook?query=x%22%CC%81%20autofocus%20formaction%3D%2Fconsole%2Fsign-out")
            #expect(page.body.contains("aria-label=\"Delete q3.md&quot;\u{301} formaction=/console/sign-out name=x\""))
            #expect(page.body.contains("x&quot;\u{301} autofocus formaction=/console/sign-out"))
            #expect(!ConsoleSecurityTests.hasMarkupBeforeACombiningMark(page.body))
        }
    }

    @Test func aViewerReadsButCannotWriteAndOtherTeamsSeeNothing() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let csrf = try await browser.csrf()
            #expect(
                try await browser.post("/console/knowledge", form: [("name", "handbook"), ("csrf", csrf)]).status == 303
            )

            let viewer = ConsoleBrowser(client: browser.client)
            try await viewer.signIn(keys["vic"]!)
            let page = try await viewer.get("/console/knowledge")
            #expect(page.body.contains("handbook"))
            #expect(!page.body.contains("New collection"))
            let refused = try await viewer.send(
                .post, "/console/knowledge/handbook/documents", body: "text",
                headers: [
                    .init("X-CSRF-Token")!: try await viewer.csrf(), .init("X-Document-Name")!: "a.md",
                    .contentType: "text/markdown",
                ])
            #expect(refused.status == 403)

            let other = ConsoleBrowser(client: browser.client)
            try await other.signIn(keys["carol"]!)
            #expect(!(try await other.get("/console/knowledge").body.contains("handbook")))
            #expect(try await other.get("/console/knowledge/handbook").status == 404)

            let owner = ConsoleBrowser(client: browser.client)
            try await owner.signIn(keys["owner"]!)
            #expect(try await owner.get("/console/knowledge").status == 403)
        }
    }
}
