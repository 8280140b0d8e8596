import Foundation
import Inference
import Testing
@testable import Serving

/// Per-team prefix caching: a team reuses the longest start it shares with its own earlier
/// requests (a repeated question, a new question after the same system prompt, the next turn
/// of a conversation) and never another team's; the output is the same whether the states
/// were computed or copied.
@Suite(.serialized) struct PrefixCacheTests {
    static let system = "You are the sales assistant of Example Corp. Answer briefly and politely, and always mention our premium plan."

    func run(_ engine: ServingEngine, tenant: String, _ messages: [ChatMessage], local: LocalModel) async throws -> (String, ServingUsage) {
        let request = ServingRequest(tenant: tenant, prompt: try local.chatPrompt(messages),
                                     options: try GenerationOptions(maxTokens: 12))
        var text = ""
        for try await event in engine.submit(request) {
            switch event {
            case .text(let delta): text += delta
            case .finished(let usage, _): return (text, usage)
            }
        }
        throw ServingError.engineFailure("no finish")
    }

    static func commonStart(_ a: [TokenID], _ b: [TokenID]) -> Int { zip(a, b).prefix { $0 == $1 }.count }

    @Test func salesHitsItsOwnPrefixesAndDevelopmentDoesNot() async throws {
        let local = try #require(ServingEngineTests.local)
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(maximumSequences: 2))
        let question: [ChatMessage] = [.system(Self.system), .user("What do you sell?")]
        let prompt = try local.chatPrompt(question)
        let (first, firstUsage) = try await run(engine, tenant: "sales", question, local: local)
        #expect(firstUsage.cachedPromptTokens == 0)
        // The same prompt again: all of it but the last token, whose logits start generation.
        let (second, secondUsage) = try await run(engine, tenant: "sales", question, local: local)
        #expect(secondUsage.cachedPromptTokens == prompt.count - 1)
        #expect(second == first)
        // Another question after the same system prompt: exactly what the two prompts share.
        let other: [ChatMessage] = [.system(Self.system), .user("Do you ship to Norway?")]
        let (_, otherUsage) = try await run(engine, tenant: "sales", other, local: local)
        #expect(otherUsage.cachedPromptTokens == Self.commonStart(prompt, try local.chatPrompt(other)))
        #expect(otherUsage.cachedPromptTokens > 10)
        // Development asks the very same: nothing of Sales' is ever reused for it.
        let (_, developmentUsage) = try await run(engine, tenant: "development", question, local: local)
        #expect(developmentUsage.cachedPromptTokens == 0)
        #expect(engine.statistics.prefixCacheHits == 2)
        #expect(engine.statistics.prefixCacheMisses == 2)
        await engine.shutdown()
    }

    /// A conversation's next turn repeats the previous prompt and reply: the finished request's
    /// states (reply included) are reused, and the answer is the one computed from scratch.
    @Test func theNextTurnOfAConversationReusesThePreviousReply() async throws {
        let local = try #require(ServingEngineTests.local)
        let cached = ServingEngine(model: local, configuration: try ServingConfiguration(maximumSequences: 2))
        let uncached = ServingEngine(model: local, configuration: try ServingConfiguration(
            maximumSequences: 2, prefixCacheBudgetBytes: 0))
        let firstTurn: [ChatMessage] = [.system(Self.system), .user("What is your best product?")]
        let (reply, _) = try await run(cached, tenant: "sales", firstTurn, local: local)
        let secondTurn = firstTurn + [.assistant(reply), .user("How much does it cost?")]
        let (answer, usage) = try await run(cached, tenant: "sales", secondTurn, local: local)
        let (fresh, freshUsage) = try await run(uncached, tenant: "sales", secondTurn, local: local)
        #expect(usage.cachedPromptTokens > (try local.chatPrompt(firstTurn)).count, "the reply's tokens are reused too")
        #expect(freshUsage.cachedPromptTokens == 0)
        #expect(answer == fresh)
        await cached.shutdown()
        await uncached.shutdown()
    }

    @Test func theLongestMatchOfTheCallersOwnEntriesIsFound() {
        var cache = PrefixCache(slots: [10, 11, 12], budgetBytes: 1_000)
        _ = cache.reserve(tenant: "a", tokens: [1, 2, 3, 4], bytes: 10)
        _ = cache.reserve(tenant: "a", tokens: [1, 2, 9], bytes: 10)
        _ = cache.reserve(tenant: "b", tokens: [1, 2, 3, 4, 5, 6], bytes: 10)
        #expect(cache.longestMatch(tenant: "a", prompt: [1, 2, 3, 4, 5, 6], limit: 5)! == (10, 4))
        #expect(cache.longestMatch(tenant: "a", prompt: [1, 2, 9, 9], limit: 3)! == (11, 3))
        #expect(cache.longestMatch(tenant: "a", prompt: [1, 2, 3, 4], limit: 3)! == (10, 3))
        #expect(cache.longestMatch(tenant: "a", prompt: [7, 1, 2], limit: 2) == nil)
        #expect(cache.longestMatch(tenant: "c", prompt: [1, 2, 3, 4, 5, 6], limit: 5) == nil)
        #expect(cache.hits == 3 && cache.misses == 2)
    }

    @Test func anExtendedEntryIsReplacedAndACoveredOneNotStored() {
        var cache = PrefixCache(slots: [10, 11, 12], budgetBytes: 1_000)
        let prompt = cache.reserve(tenant: "a", tokens: [1, 2, 3], bytes: 10)
        #expect(prompt == .init(slot: 10, released: []))
        // The finished request (prompt and reply) supersedes its prompt's entry.
        #expect(cache.reserve(tenant: "a", tokens: [1, 2, 3, 4, 5], bytes: 20) == .init(slot: 10, released: []))
        #expect(cache.entryCount == 1)
        // Already covered: not stored twice.
        #expect(cache.reserve(tenant: "a", tokens: [1, 2, 3], bytes: 10) == nil)
        // Another team's identical tokens are its own entry.
        #expect(cache.reserve(tenant: "b", tokens: [1, 2, 3], bytes: 10) != nil)
        #expect(cache.entryCount == 2)
    }

    @Test func evictionKeepsTheBudgetAndReleasesTheSlots() {
        var cache = PrefixCache(slots: [10, 11], budgetBytes: 100)
        let first = cache.reserve(tenant: "a", tokens: [1, 2], bytes: 60)
        #expect(first == .init(slot: 10, released: []))
        let second = cache.reserve(tenant: "b", tokens: [1, 2], bytes: 60)  // over budget: evicts a's entry
        #expect(second == .init(slot: 10, released: []))
        #expect(cache.longestMatch(tenant: "a", prompt: [1, 2], limit: 2) == nil)
        #expect(cache.longestMatch(tenant: "b", prompt: [1, 2], limit: 2)! == (10, 2))
        #expect(cache.entryCount == 1)
        #expect(cache.reserve(tenant: "c", tokens: [3], bytes: 500) == nil)
        // Two small entries, then one that needs both their bytes: both slots are released.
        var small = PrefixCache(slots: [10, 11, 12], budgetBytes: 100)
        _ = small.reserve(tenant: "a", tokens: [1], bytes: 50)
        _ = small.reserve(tenant: "a", tokens: [2], bytes: 50)
        let large = small.reserve(tenant: "a", tokens: [3], bytes: 100)
        #expect(large != nil && Set(large!.released + [large!.slot]) == [10, 11])
        #expect(small.entryCount == 1)
    }

    /// A team that floods the cache evicts its own entries, never a quieter team's: room is
    /// made at the tenant holding the most (attack round 5: sixteen one-token requests of one
    /// team wiped another team's 287-token system prompt, and its requests took 11× longer).
    @Test func aFloodingTenantEvictsItsOwnEntriesNotAQuieterOnes() {
        var cache = PrefixCache(slots: Array(0..<4), budgetBytes: 1_000)
        _ = cache.reserve(tenant: "quiet", tokens: [1, 2, 3], bytes: 100)
        for token in 10..<30 { _ = cache.reserve(tenant: "flood", tokens: [TokenID(token)], bytes: 10) }
        #expect(cache.longestMatch(tenant: "quiet", prompt: [1, 2, 3], limit: 3)! == (0, 3))
        #expect(cache.longestMatch(tenant: "flood", prompt: [29], limit: 1) != nil, "its newest stays")
        #expect(cache.longestMatch(tenant: "flood", prompt: [10], limit: 1) == nil)
        // The quieter tenant grows past the other: then its own oldest makes room.
        _ = cache.reserve(tenant: "quiet", tokens: [4], bytes: 500)
        _ = cache.reserve(tenant: "quiet", tokens: [5], bytes: 300)
        #expect(cache.longestMatch(tenant: "quiet", prompt: [5], limit: 1) != nil)
        #expect(cache.longestMatch(tenant: "flood", prompt: [29], limit: 1) != nil)
    }
}
