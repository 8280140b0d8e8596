import AtriumTestSupport
import Foundation
@testable import Gateway
import Retrieval
import Store
import Synchronization
import Tenancy
import Testing

/// The per-team response cache: on its own (time to live on a synthetic clock, byte cap,
/// invalidation) and as the pipeline's cache stage (hits skip the backend and are flagged in
/// the answer, the audit record and the usage ledger; teams never share; profile changes and
/// sampling without a seed bypass it).
@Suite struct ResponseCacheTests {
    /// A monotonic clock tests move by hand.
    final class ManualClock: Sendable {
        private let offset = Mutex<Duration>(.zero)
        private let start = ContinuousClock.now

        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(by duration: Duration) { offset.withLock { $0 += duration } }
    }

    let greedy = ChatRequest(messages: [ChatTurn(role: .user, content: "What do we sell?")], temperature: 0)
    let answer = ChatCompletion(text: "Widgets.", usage: Usage(promptTokens: 7, completionTokens: 3), finishReason: .stop)

    func enabled(ttl: Duration = .seconds(300), bytes: Int = 1 << 20, clock: ManualClock? = nil) throws -> ResponseCache {
        let configuration = try ResponseCacheConfiguration(timeToLive: ttl, maximumBytes: bytes)
        guard let clock else { return ResponseCache(configuration: configuration) }
        return ResponseCache(configuration: configuration, now: { clock.now })
    }

    func scope(_ world: GatewayWorld, _ holder: String) async throws -> TenantScope {
        try #require(try await world.principal(holder).tenantScope)
    }

    func key(_ scope: TenantScope, _ question: String, temperature: Double = 0, seed: UInt64? = nil, profileVersion: Int = 0)
        -> ResponseCacheKey
    {
        let request = GenerationRequest(
            tenant: TenantKey(scope), model: "test-model", messages: [ChatTurn(role: .user, content: question)],
            sampling: GenerationSampling(temperature: temperature, topP: 1, maxTokens: 16, seed: seed), streaming: false)
        return ResponseCacheKey(scope: scope, request: request, profileVersion: profileVersion, knowledgeVersion: 0)
    }

    func ask(_ world: GatewayWorld, _ holder: String, _ request: ChatRequest) async throws -> (ChatAnswer, RequestAudit) {
        let audit = world.audit("chat")
        defer { world.gateway.accountant.finish(audit) }
        let principal = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(world.keys[holder]!)", audit: audit)
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        return (try await world.gateway.pipeline.answer(request, in: scope, audit: audit), audit)
    }

    // MARK: - The cache stage in the pipeline

    @Test func theSameDeterministicQuestionIsAnsweredFromTheCacheAndFlaggedEverywhere() async throws {
        let world = try await GatewayWorld.make(responseCache: try enabled())
        let (first, _) = try await ask(world, "bob", greedy)
        let (second, _) = try await ask(world, "bob", greedy)
        #expect(!first.cached && second.cached)
        #expect(second.completion == first.completion)
        #expect(world.backend.requests.count == 1, "the hit never reached the backend")

        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.map(\.cacheHit).sorted { !$0 && $1 } == [false, true])
        #expect(records.allSatisfy { $0.completionTokens == 3 }, "the record keeps the answer's tokens")
        let owner = try await world.principal("owner")
        let usage = try #require(try await world.store.usage.report(visibleTo: owner).first)
        #expect(usage.requests == 2 && usage.cacheHits == 1)
        #expect(usage.completionTokens == 3, "the ledger counts the tokens the model spent once")
    }

    @Test func salesAnswersAreNeverServedToDevelopment() async throws {
        let world = try await GatewayWorld.make(responseCache: try enabled())
        let (sales, _) = try await ask(world, "bob", greedy)
        let (salesAgain, _) = try await ask(world, "alice", greedy)
        let (development, _) = try await ask(world, "carol", greedy)
        #expect(!sales.cached && salesAgain.cached, "another key of the same team hits")
        #expect(!development.cached, "the same question from another team misses")
        #expect(world.backend.requests.count == 2)
        #expect(world.backend.requests.last?.tenant.teamID == world.development.id)
    }

    @Test func aProfileChangeMakesEarlierAnswersUnreachable() async throws {
        let world = try await GatewayWorld.make(responseCache: try enabled())
        _ = try await ask(world, "bob", greedy)
        let alice = try await world.principal("alice")
        // The same content, saved again, is a new version: answers shaped by the old one go.
        _ = try await world.gateway.administration.saveProfile(
            PromptProfile.default, of: "acme/sales", principal: alice, audit: world.audit())
        let (after, _) = try await ask(world, "bob", greedy)
        let (again, _) = try await ask(world, "bob", greedy)
        #expect(!after.cached && again.cached)
        #expect(world.backend.requests.count == 2)
    }

    /// A team whose chats retrieve reads its knowledge version for each cacheable request; one
    /// whose chats retrieve nothing does not need to (its answers cannot depend on documents).
    @Test func aDocumentChangeMadeElsewhereMakesTheTeamsEarlierAnswersUnreachable() async throws {
        let embeddings = EmbeddingQueue(embedder: TestDoubleEmbedder(), modelID: "test-double")
        let world = try await GatewayWorld.make(responseCache: try enabled(), embeddings: embeddings)
        // Sales retrieves from "manuals" only: the document below changes the team's knowledge
        // version without changing what the request retrieves (nothing), so only the key's
        // version can tell the answers apart.
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(retrieval: RetrievalSettings(enabled: true, collections: ["manuals"])), of: "acme/sales",
            principal: try await world.principal("alice"), audit: world.audit())
        _ = try await ask(world, "bob", greedy)
        _ = try await ask(world, "carol", greedy)
        // Written straight to the store, as another server sharing the database would: this
        // server's cache is never told, only the knowledge version in the key moves.
        for holder in ["bob", "carol"] {
            let team = try await scope(world, holder)
            try await world.store.knowledge.createCollection(named: "prices", in: team)
            let text = "Widgets cost 12 euros."
            let draft = DocumentDraft(
                name: "prices.txt", format: "text", contentHash: ContentHash.of(Data(text.utf8)),
                byteCount: text.utf8.count, embeddingModel: "test-double",
                chunks: [ChunkDraft(index: 0, text: text, headingPath: [], embedding: TestDoubleEmbedder.direction([1]))])
            _ = try await world.store.knowledge.store(draft, in: "prices", scope: team)
        }

        let (after, _) = try await ask(world, "bob", greedy)
        let (again, _) = try await ask(world, "bob", greedy)
        let (development, _) = try await ask(world, "carol", greedy)
        #expect(!after.cached && again.cached, "sales' answer from before its documents changed is not served")
        #expect(development.cached, "development's chats retrieve nothing: its answers do not depend on documents")
        #expect(world.backend.requests.count == 3)
    }

    /// A JSON answer is not a text answer, and a penalty or a bias changes the answer: each
    /// is its own entry, and the same shape asked again is a hit.
    @Test func theAnswersFormatPenaltiesAndBiasArePartOfTheKey() async throws {
        let world = try await GatewayWorld.make(responseCache: try enabled())
        _ = try await ask(world, "bob", greedy)
        var shaped = greedy
        shaped.format = .jsonObject
        let (json, _) = try await ask(world, "bob", shaped)
        #expect(!json.cached)
        #expect(world.backend.requests.last?.sampling.format == .jsonObject)
        shaped.presencePenalty = 0.5
        #expect(try await !ask(world, "bob", shaped).0.cached)
        shaped.logitBias = [11: -100]
        #expect(try await !ask(world, "bob", shaped).0.cached)
        #expect(try await ask(world, "bob", shaped).0.cached)
        #expect(world.backend.requests.count == 4)
    }

    @Test func samplingWithoutASeedIsNeverCachedButASeedIs() async throws {
        let world = try await GatewayWorld.make(responseCache: try enabled())
        // The default profile samples at temperature 0.7: without a seed, answers are meant to differ.
        var sampled = greedy
        sampled.temperature = nil
        _ = try await ask(world, "bob", sampled)
        let (unseeded, _) = try await ask(world, "bob", sampled)
        #expect(!unseeded.cached)
        #expect(world.backend.requests.count == 2)
        sampled.seed = 42
        _ = try await ask(world, "bob", sampled)
        let (seeded, _) = try await ask(world, "bob", sampled)
        #expect(seeded.cached)
        sampled.seed = 43
        let (otherSeed, _) = try await ask(world, "bob", sampled)
        #expect(!otherSeed.cached, "the seed is part of the key")
        #expect(world.backend.requests.count == 4)
    }

    @Test func aStreamedHitReplaysTheAnswerAndIsAuditedAsAHit() async throws {
        let world = try await GatewayWorld.make(responseCache: try enabled())
        var streamed = greedy
        streamed.streaming = true
        func stream() async throws -> (ChatExecution, ChatCompletion) {
            let audit = world.audit("chat")
            defer { world.gateway.accountant.finish(audit) }
            let principal = try await world.principal("bob")
            let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
            let execution = try await world.gateway.pipeline.chat(streamed, in: scope, audit: audit)
            return (execution, try await execution.collect())
        }
        let (first, firstAnswer) = try await stream()
        let (second, secondAnswer) = try await stream()
        #expect(!first.cached && second.cached)
        #expect(secondAnswer == firstAnswer && secondAnswer.text == "Hello, world.")
        #expect(world.backend.requests.count == 1)
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.filter(\.cacheHit).count == 1)
    }

    @Test func aFailedOrDisabledCacheNeverAnswers() async throws {
        let failing = try await GatewayWorld.make(backend: ScriptedBackend(.fail(.timedOut("slow"))), responseCache: try enabled())
        await #expect(throws: GatewayError.self) { _ = try await ask(failing, "bob", greedy) }
        await #expect(throws: GatewayError.self) { _ = try await ask(failing, "bob", greedy) }
        #expect(failing.backend.requests.count == 2, "a failure is not an answer to keep")

        let off = try await GatewayWorld.make()
        _ = try await ask(off, "bob", greedy)
        let (again, _) = try await ask(off, "bob", greedy)
        #expect(!again.cached && off.backend.requests.count == 2)
    }

    // MARK: - The cache alone

    @Test func answersExpireAfterTheirTimeToLive() async throws {
        let world = try await GatewayWorld.make()
        let clock = ManualClock()
        let cache = try enabled(ttl: .seconds(300), clock: clock)
        let sales = key(try await scope(world, "bob"), "What do we sell?")
        cache.store(answer, for: try #require(cache.lookup(sales)))
        clock.advance(by: .seconds(299))
        #expect(cache.lookup(sales)?.hit == answer)
        clock.advance(by: .seconds(2))
        #expect(cache.lookup(sales)?.hit == nil)
        #expect(cache.usage.entries == 0, "an expired answer is dropped when found")
    }

    @Test func theByteCapEvictsTheLeastRecentlyUsedAnswer() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let keys = ["first?", "second?", "third?"].map { key(sales, $0) }
        let entryBytes = keys[0].byteCount + ResponseCache.byteCount(of: answer)
        let cache = try enabled(bytes: entryBytes * 2 + entryBytes / 2)
        for key in keys.prefix(2) { cache.store(answer, for: try #require(cache.lookup(key))) }
        #expect(cache.lookup(keys[0])?.hit != nil)  // "first?" is now the most recently used
        cache.store(answer, for: try #require(cache.lookup(keys[2])))
        #expect(cache.usage.entries == 2 && cache.usage.bytes <= cache.configuration.maximumBytes)
        #expect(cache.lookup(keys[1])?.hit == nil, "the least recently used answer went")
        #expect(cache.lookup(keys[0])?.hit != nil && cache.lookup(keys[2])?.hit != nil)
    }

    /// One team's stream of new questions fills the cache, then evicts its own answers (it holds
    /// the most), never the other team's.
    @Test func aFullCacheEvictsFromTheTeamHoldingTheMost() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let development = try await scope(world, "carol")
        let entryBytes = key(sales, "question 00?").byteCount + ResponseCache.byteCount(of: answer)
        let cache = try enabled(bytes: entryBytes * 10)
        for question in ["a?", "b?"] { cache.store(answer, for: try #require(cache.lookup(key(development, question)))) }
        for number in 10..<60 {
            cache.store(answer, for: try #require(cache.lookup(key(sales, "question \(number)?"))))
            #expect(cache.usage.bytes <= cache.configuration.maximumBytes)
        }
        #expect(cache.lookup(key(development, "a?"))?.hit == answer && cache.lookup(key(development, "b?"))?.hit == answer)
        #expect(cache.lookup(key(sales, "question 59?"))?.hit == answer, "the flood keeps its newest answers")
        #expect(cache.lookup(key(sales, "question 10?"))?.hit == nil)
        #expect(cache.usage.entries >= 9)
        // When development holds the most, its own least recently used answer goes first.
        let small = try enabled(bytes: entryBytes * 3)
        for question in ["a?", "b?", "c?"] { small.store(answer, for: try #require(small.lookup(key(development, question)))) }
        small.store(answer, for: try #require(small.lookup(key(sales, "question 11?"))))
        #expect(small.lookup(key(development, "a?"))?.hit == nil && small.lookup(key(development, "c?"))?.hit == answer)
        #expect(small.lookup(key(sales, "question 11?"))?.hit == answer)
    }

    @Test func invalidatingATeamDropsOnlyItsAnswersAndAnyStillBeingGenerated() async throws {
        let world = try await GatewayWorld.make()
        let cache = try enabled()
        let sales = try await scope(world, "bob")
        let development = try await scope(world, "carol")
        cache.store(answer, for: try #require(cache.lookup(key(sales, "q"))))
        cache.store(answer, for: try #require(cache.lookup(key(development, "q"))))
        let inFlight = try #require(cache.lookup(key(sales, "being generated")))
        cache.invalidate(team: sales)
        cache.store(answer, for: inFlight)
        #expect(cache.lookup(key(sales, "q"))?.hit == nil)
        #expect(cache.lookup(key(sales, "being generated"))?.hit == nil, "an answer begun before the change is not kept")
        #expect(cache.lookup(key(development, "q"))?.hit == answer)
    }

    @Test func keysNormalizeWhatCannotChangeTheAnswer() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        #expect(key(sales, "  What do we sell?\r\n") == key(sales, "What do we sell?"))
        #expect(key(sales, "q", seed: 1) == key(sales, "q", seed: 2), "greedy answers do not depend on the seed")
        #expect(key(sales, "q", temperature: 0.5, seed: 1) != key(sales, "q", temperature: 0.5, seed: 2))
        #expect(key(sales, "q", profileVersion: 1) != key(sales, "q", profileVersion: 2))
        #expect(key(sales, "q") != key(try await scope(world, "carol"), "q"))
    }

    @Test func badSettingsAreRefusedAndZeroTurnsTheCacheOff() throws {
        #expect(throws: ResponseCacheConfigurationError.self) { try ResponseCacheConfiguration(timeToLive: .seconds(-1), maximumBytes: 1) }
        #expect(throws: ResponseCacheConfigurationError.self) { try ResponseCacheConfiguration(timeToLive: .seconds(1), maximumBytes: -1) }
        #expect(try !ResponseCacheConfiguration(timeToLive: .zero, maximumBytes: 1 << 20).isEnabled)
        #expect(try !ResponseCacheConfiguration(timeToLive: .seconds(60), maximumBytes: 0).isEnabled)
    }
}

/// The LRU structure under the cache.
@Suite struct LeastRecentlyUsedTests {
    @Test func evictsInRecencyOrderWithinTheCapacity() {
        var lru = LeastRecentlyUsed<String, Int>(capacity: 10)
        lru.insert(1, for: "a", cost: 4)
        lru.insert(2, for: "b", cost: 4)
        #expect(lru.value(for: "a") == 1)
        #expect(lru.insert(3, for: "c", cost: 4) == ["b"])
        #expect(lru.peek("b") == nil && lru.peek("a") == 1 && lru.peek("c") == 3)
        #expect(lru.totalCost == 8 && lru.count == 2)
        #expect(lru.insert(4, for: "d", cost: 11).isEmpty && lru.peek("d") == nil, "larger than the capacity: not kept")
        lru.insert(5, for: "a", cost: 2)
        #expect(lru.totalCost == 6 && lru.peek("a") == 5)
        lru.removeAll { $0 != "c" }
        #expect(lru.count == 1 && lru.totalCost == 4)
        // Slots are reused after removals; the order stays right.
        for (index, name) in ["e", "f", "g"].enumerated() { lru.insert(index, for: name, cost: 3) }
        #expect(lru.peek("c") == nil && lru.count == 3 && lru.totalCost == 9)
    }
}
