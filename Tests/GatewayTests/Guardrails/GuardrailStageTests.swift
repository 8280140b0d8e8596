import AtriumTestSupport
import Foundation
@testable import Gateway
import Tenancy
import Testing

/// The stage in the pipeline, in process: a team without guardrails gets the backend's own
/// events (no answer guard, the relay's fast path stays open), a team with them gets guarded
/// text — same backend, same request.
@Suite struct GuardrailStageTests {
    @Test func aTeamWithoutGuardrailsTakesTheUnguardedPathAndATeamWithThemDoesNot() async throws {
        let backend = ScriptedBackend(.answer(["Mail bob@", "acme.com now."], Usage(promptTokens: 3, completionTokens: 4), .stop))
        let world = try await GatewayWorld.make(backend: backend)
        let alice = try await world.principal("alice")
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(guardrails: GuardrailSettings(pii: [.email: .redact])), of: "acme/sales", principal: alice,
            audit: world.audit())
        let request = ChatRequest(messages: [ChatTurn(role: .user, content: "Who is ann@acme.com?")], streaming: true)
        func run(_ holder: String) async throws -> (ChatExecution, [GenerationEvent]) {
            let audit = world.audit("chat")
            defer { world.gateway.accountant.finish(audit) }
            let scope = try Authorizer.dataScope(of: try await world.principal(holder), for: .chat, audit: audit)
            let execution = try await world.gateway.pipeline.chat(request, in: scope, audit: audit)
            var events: [GenerationEvent] = []
            for try await event in execution.events { events.append(event) }
            return (execution, events)
        }
        let (plain, plainEvents) = try await run("carol")
        #expect(!plain.guardsAnswer)
        #expect(plainEvents == [.delta("Mail bob@"), .delta("acme.com now."), .finished(Usage(promptTokens: 3, completionTokens: 4), .stop)])
        #expect(backend.requests.last?.messages.last?.content == "Who is ann@acme.com?")

        let (guarded, guardedEvents) = try await run("bob")
        #expect(guarded.guardsAnswer)
        #expect(backend.requests.last?.messages.last?.content == "Who is [EMAIL_1]?")
        let text = guardedEvents.compactMap { event -> String? in if case let .delta(text) = event { text } else { nil } }.joined()
        #expect(text == "Mail [EMAIL_2] now.")
        #expect(guardedEvents.last == .finished(Usage(promptTokens: 3, completionTokens: 4), .stop))
    }

    /// A chunk's document name and headings reach the prompt and the response's `sources` as
    /// its text does, so they are screened alike: a blocked value leaves the chunk out, a
    /// redacted one becomes its placeholder (both got through unscreened).
    @Test func documentNamesAndHeadingsAreScreenedLikeTheChunksText() async throws {
        let world = try await GatewayWorld.make()
        let audit = world.audit("chat")
        defer { world.gateway.accountant.finish(audit) }
        let scope = try Authorizer.dataScope(of: try await world.principal("bob"), for: .chat, audit: audit)
        let session = GuardrailSession(settings: try GuardrailSettings(pii: [.email: .redact, .secret: .block]))
        let hits = [
            SourceBlockTests.hit("Deploy steps.", headings: ["Ops", "Deploy key AKIAIOSFODNN7EXAMPLE"]),
            SourceBlockTests.hit(
                "Ask support.", document: "bob.smith@example.com support.md", headings: ["Mail bob.smith@example.com"],
                index: 1),
        ]
        let screened = try await world.gateway.pipeline.guardrails.screenSources(
            hits, session: session, scope: scope, audit: audit)
        #expect(screened.map(\.chunk.index) == [1], "the chunk under a blocked heading is left out")
        let reference = try #require(screened.first.map(SourceReference.init))
        #expect(reference.documentName == "[EMAIL_1] support.md" && reference.section == "Mail [EMAIL_1]")
        let block = SourceBlock.render(screened)
        #expect(!block.contains("bob.smith") && !block.contains("AKIA"), "\(block)")
    }
}
