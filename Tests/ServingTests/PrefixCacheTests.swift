import Foundation
import Inference
import Testing
@testable import Serving

/// Per-team prefix caching: pairs of the same team (hit) and another team (miss), and the
/// output is the same whether the prefix was computed or copied.
@Suite(.serialized) struct PrefixCacheTests {
    let system = "You are the sales assistant of Example Corp. Answer briefly and politely, and always mention our premium plan."

    func run(_ engine: ServingEngine, tenant: String, question: String, local: LocalModel) async throws -> (String, ServingUsage) {
        let prefix = try local.chatPrompt([.system(system)])
        let prompt = try local.chatPrompt([.system(system), .user(question)])
        // The system turn's tokens are a prefix of the whole prompt's.
        #expect(Array(prompt.prefix(prefix.count - 3)) == Array(prefix.prefix(prefix.count - 3)))
        let reusable = prefix.count - 3  // up to the end of the system turn, before the generation prompt
        let request = ServingRequest(tenant: tenant, prompt: prompt, options: try GenerationOptions(maxTokens: 12),
                                     reusablePrefix: reusable)
        var text = ""
        for try await event in engine.submit(request) {
            switch event {
            case .text(let delta): text += delta
            case .finished(let usage, _): return (text, usage)
            }
        }
        throw ServingError.engineFailure("no finish")
    }

    @Test func salesHitsItsOwnPrefixAndDevelopmentDoesNot() async throws {
        let local = try #require(ServingEngineTests.local)
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(maximumSequences: 2))
        let (first, firstUsage) = try await run(engine, tenant: "sales", question: "What do you sell?", local: local)
        #expect(firstUsage.cachedPromptTokens == 0)
        let (second, secondUsage) = try await run(engine, tenant: "sales", question: "What do you sell?", local: local)
        #expect(secondUsage.cachedPromptTokens > 0)
        #expect(second == first)
        let (_, otherUsage) = try await run(engine, tenant: "development", question: "What do you sell?", local: local)
        #expect(otherUsage.cachedPromptTokens == 0)
        #expect(engine.statistics.prefixCacheHits == 1)
        await engine.shutdown()
    }

    @Test func evictionKeepsTheBudget() {
        var cache = PrefixCache(slots: [10, 11], budgetBytes: 100)
        let first = cache.reserve(tenant: "a", tokens: [1, 2], bytes: 60)
        #expect(first != nil)
        let second = cache.reserve(tenant: "b", tokens: [1, 2], bytes: 60)  // over budget: evicts a's entry
        #expect(second == first)
        #expect(cache.lookup(tenant: "a", tokens: [1, 2]) == nil)
        #expect(cache.lookup(tenant: "b", tokens: [1, 2]) == second)
        #expect(cache.entryCount == 1)
        #expect(cache.reserve(tenant: "c", tokens: [3], bytes: 500) == nil)
    }
}
