import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import Tenancy
import Testing

/// The playground offers the team's chat models — served here and allowed by its profile,
/// never the embedding model — and the pipeline still refuses any other a request names.
@Suite struct PlaygroundPageTests {
    @Test func theMemberChoosesAmongTheTeamsModelsOnly() async throws {
        let world = try ConsoleWorld(moreChatModels: ["second-model", "third-model"])
        let keys = try await world.scenario()
        let dave = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(keys["dave"]!)", audit: .init(requestID: "t", action: "t", resource: "t"))
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(allowedModels: ["second-model", "third-model", WordHashEmbedder.modelID]),
            of: "acme/sales", principal: dave, audit: .init(requestID: "t", action: "t", resource: "t"))
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let page = try await browser.get("/console/playground")
            #expect(page.status == 200)
            #expect(page.body.contains(#"<option value="second-model" selected>second-model</option>"#))
            #expect(page.body.contains(#"<option value="third-model">third-model</option>"#))
            #expect(!page.body.contains(#"<option value="test-model""#))
            #expect(!page.body.contains("value=\"\(WordHashEmbedder.modelID)\""))
            #expect(page.body.contains(#"<label for="model">Model</label>"#))

            let csrf = try await browser.csrf()
            let chosen = try await browser.postJSON(
                "/console/playground/chat", json: #"{"message":"Hello?","model":"third-model"}"#,
                headers: [.init("X-CSRF-Token")!: csrf])
            #expect(chosen.status == 200)
            #expect(world.backend.requests.last?.model == "third-model")

            // A model the profile does not allow, or that is not served, reaches no backend.
            let before = world.backend.requests.count
            let refused = try await browser.postJSON(
                "/console/playground/chat", json: #"{"message":"Hello?","model":"test-model"}"#,
                headers: [.init("X-CSRF-Token")!: csrf])
            #expect(refused.status == 403)
            let unknown = try await browser.postJSON(
                "/console/playground/chat", json: #"{"message":"Hello?","model":"<b>nope</b>"}"#,
                headers: [.init("X-CSRF-Token")!: csrf])
            #expect(unknown.status == 404)
            #expect(!unknown.body.contains("<b>nope</b>"))
            let control = try await browser.postJSON(
                "/console/playground/chat", json: #"{"message":"Hello?","model":"a\u0000b"}"#,
                headers: [.init("X-CSRF-Token")!: csrf])
            #expect(control.status == 400)
            #expect(world.backend.requests.count == before)
        }
    }
}
