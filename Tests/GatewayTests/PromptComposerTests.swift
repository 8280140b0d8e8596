import Foundation
@testable import Gateway
import Tenancy
import Testing

@Suite struct PromptComposerTests {
    let composer = PromptComposer(catalog: ModelCatalog(chatModel: "smollm2-135m"))

    private func team(_ profile: PromptProfile) -> TeamContext {
        TeamContext(profile: profile, teamName: "sales", organizationName: "acme", userName: "bob")
    }

    private func compose(_ request: ChatRequest, _ profile: PromptProfile) async throws -> GenerationRequest {
        let world = try await GatewayWorld.make()
        let scope = try #require(try await world.principal("bob").tenantScope)
        let date = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01 UTC
        return try composer.compose(request, team: team(profile), tenant: TenantKey(scope), date: date)
    }

    @Test func systemPromptVariablesAreFilledAndComeFirst() async throws {
        let profile = try PromptProfile(systemPrompt: "You help {{user}} of {{team}} at {{org}} on {{date}}.")
        let request = ChatRequest(messages: [ChatTurn(role: .system, content: "client"), ChatTurn(role: .user, content: "hi")])
        let composed = try await compose(request, profile)
        #expect(composed.messages == [
            ChatTurn(role: .system, content: "You help bob of sales at acme on 2025-12-01."),
            ChatTurn(role: .system, content: "client"), ChatTurn(role: .user, content: "hi"),
        ])
    }

    @Test func textThatOnlyLooksLikeAVariableIsKept() {
        let context = team(.default)
        let date = Date(timeIntervalSince1970: 0)
        #expect(PromptComposer.fill("{{nope}} {{team}} {{ team}} {{team", team: context, date: date)
            == "{{nope}} sales {{ team}} {{team")
        #expect(PromptComposer.fill("{{{{org}}}}", team: context, date: date) == "{{acme}}")
        #expect(PromptComposer.fill("é {{user}} 🙂{{date}}", team: context, date: date) == "é bob 🙂1970-01-01")
    }

    /// Filling takes time linear in the prompt: a `{{` that opens no variable costs nothing
    /// more than its two characters (each one searched the rest of the prompt for `}}`, so
    /// "{{" × 16,383 + "}}" took 4.3 s a chat).
    @Test func fillingTakesLinearTimeInThePrompt() {
        let context = team(.default)
        let hostile = String(repeating: "{{", count: 16_383) + "}}"
        var filled = ""
        let elapsed = ContinuousClock().measure {
            filled = PromptComposer.fill(hostile + "{{team}}", team: context, date: Date(timeIntervalSince1970: 0))
        }
        #expect(filled == hostile + "sales")
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }

    @Test func anEmptySystemPromptAddsNoMessage() async throws {
        let composed = try await compose(ChatRequest(messages: [ChatTurn(role: .user, content: "hi")]), .default)
        #expect(composed.messages == [ChatTurn(role: .user, content: "hi")])
    }

    @Test func requestsMayLowerButNeverRaiseTheTeamsMaxTokens() async throws {
        let profile = try PromptProfile(temperature: 0.3, topP: 0.9, maxTokens: 64)
        let message = [ChatTurn(role: .user, content: "hi")]
        #expect(try await compose(ChatRequest(messages: message, maxTokens: 16), profile).sampling.maxTokens == 16)
        #expect(try await compose(ChatRequest(messages: message, maxTokens: 4096), profile).sampling.maxTokens == 64)
        let defaults = try await compose(ChatRequest(messages: message), profile).sampling
        #expect(defaults == GenerationSampling(temperature: 0.3, topP: 0.9, maxTokens: 64))
        let overridden = try await compose(ChatRequest(messages: message, temperature: 0, topP: 0.5, seed: 42), profile).sampling
        #expect(overridden == GenerationSampling(temperature: 0, topP: 0.5, maxTokens: 64, seed: 42))
    }

    @Test func modelsResolveThroughTheCatalogAndTheProfile() throws {
        #expect(try composer.resolveModel(nil, profile: .default) == "smollm2-135m")
        #expect(try composer.resolveModel("default", profile: .default) == "smollm2-135m")
        #expect(throws: GatewayError.self) { try composer.resolveModel("gpt-4", profile: .default) }
        let narrowed = try PromptProfile(allowedModels: ["other"])
        do {
            _ = try composer.resolveModel("smollm2-135m", profile: narrowed)
            Issue.record("a model outside the team's list was allowed")
        } catch let error as GatewayError {
            #expect(error.kind == .forbidden)
        }
    }

    @Test func badSamplingValuesAreRefusedNamingTheField() async throws {
        let message = [ChatTurn(role: .user, content: "hi")]
        let cases: [(ChatRequest, String)] = [
            (ChatRequest(messages: []), "messages"),
            (ChatRequest(messages: message, temperature: 2.5), "temperature"),
            (ChatRequest(messages: message, temperature: .nan), "temperature"),
            (ChatRequest(messages: message, topP: 0), "top_p"),
            (ChatRequest(messages: message, maxTokens: 0), "max_tokens"),
            (ChatRequest(messages: message, stop: ["a", "b", "c", "d", "e"]), "stop"),
        ]
        for (request, field) in cases {
            do {
                _ = try await compose(request, .default)
                Issue.record("\(field) was accepted")
            } catch let error as GatewayError {
                #expect(error.kind == .invalidRequest)
                #expect(error.param == field)
            }
        }
    }
}
