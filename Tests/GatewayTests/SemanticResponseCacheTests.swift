import AtriumTestSupport
import Foundation
@testable import Gateway
import Retrieval
import Store
import Tenancy
import Testing

/// The semantic layer of the per-team response cache, with meanings set by a
/// ``TestDoubleEmbedder``: on its own (threshold edge, team isolation, every partition field,
/// time to live, byte cap, invalidation) and as part of the cache stage (embedded only on an
/// exact miss of a team that turned it on; hits flagged `semantic`, spend no tokens, never
/// cross teams; profile changes and documents changes end them).
@Suite struct SemanticResponseCacheTests {
    static let france = "What is the capital of France?"
    static let paraphrase = "what's the capital city of France?"
    static let germany = "What is the capital of Germany?"
    static let montBlanc = "How tall is Mont Blanc?"
    /// France and its paraphrase 0.96 apart, Germany far from both; Mont Blanc's two wordings
    /// 0.99 apart.
    static let meanings: [String: [Float]] = [
        france: [1, 0, 0], paraphrase: [0.96, 0.28, 0], germany: [0.3, 0, 0.954],
        montBlanc: [0, 0, 0, 1], "How high is Mont Blanc?": [0, 0, 0.141, 0.99],
    ]

    let answer = ChatCompletion(text: "Paris.", usage: Usage(promptTokens: 9, completionTokens: 2), finishReason: .stop)
    let embedder = TestDoubleEmbedder(Self.meanings)

    func cache(ttl: Duration = .seconds(300), bytes: Int = 1 << 20, clock: ResponseCacheTests.ManualClock? = nil) throws
        -> ResponseCache
    {
        let configuration = try ResponseCacheConfiguration(timeToLive: ttl, maximumBytes: bytes)
        guard let clock else { return ResponseCache(configuration: configuration) }
        return ResponseCache(configuration: configuration, now: { clock.now })
    }

    func scope(_ world: GatewayWorld, _ holder: String) async throws -> TenantScope {
        try #require(try await world.principal(holder).tenantScope)
    }

    func key(
        _ scope: TenantScope, _ messages: [ChatTurn], model: String = "test-model", maxTokens: Int = 16,
        profileVersion: Int = 1, knowledgeVersion: Int = 0
    ) -> ResponseCacheKey {
        let request = GenerationRequest(
            tenant: TenantKey(scope), model: model, messages: messages,
            sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: maxTokens), streaming: false)
        return ResponseCacheKey(
            scope: scope, request: request, profileVersion: profileVersion, knowledgeVersion: knowledgeVersion)
    }

    func key(_ scope: TenantScope, _ question: String, system: String = "Answer briefly.", profileVersion: Int = 1)
        -> ResponseCacheKey
    {
        key(scope, [ChatTurn(role: .system, content: system), ChatTurn(role: .user, content: question)],
            profileVersion: profileVersion)
    }

    /// The embedding of `key`'s conversation, by the test double.
    func embedding(_ key: ResponseCacheKey) throws -> ConversationEmbedding {
        let texts = try #require(ConversationTexts(key.messages))
        return try #require(ConversationEmbedding(vectors: try embedder.embed(texts.all)))
    }

    /// Looks `key` up exactly, then by meaning (what the stage does on a miss).
    func similar(_ key: ResponseCacheKey, in cache: ResponseCache, threshold: Double = 0.9) throws -> ResponseCache.Lookup {
        let exact = try #require(cache.lookup(key))
        guard exact.hit == nil else { return exact }
        return cache.lookupSimilar(try embedding(key), after: exact, threshold: threshold)
    }

    /// Stores `answer` for `key` as the stage does after a miss: with the conversation's embedding.
    func remember(_ key: ResponseCacheKey, in cache: ResponseCache) throws {
        cache.store(answer, for: try similar(key, in: cache))
    }

    // MARK: - The semantic store alone

    @Test func aParaphraseHitsAtTheThresholdAndMissesJustAboveIt() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let cache = try cache()
        try remember(key(sales, Self.france), in: cache)
        let similarity = try embedding(key(sales, Self.paraphrase)).similarity(to: try embedding(key(sales, Self.france)))
        #expect(abs(similarity - 0.96) < 1e-6)

        let atThreshold = try similar(key(sales, Self.paraphrase), in: cache, threshold: similarity)
        #expect(atThreshold.hit == answer && atThreshold.hitKind == .semantic)
        let above = try similar(key(sales, Self.paraphrase), in: cache, threshold: similarity.nextUp)
        #expect(above.hit == nil && above.hitKind == nil)
        #expect(try similar(key(sales, Self.germany), in: cache, threshold: 0.3).hit == nil, "0.3 apart is below 0.3…")
        #expect(try similar(key(sales, Self.germany), in: cache, threshold: 0.29).hit == answer, "…and above 0.29")
    }

    @Test func theBestOfSeveralMatchesAnswers() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let cache = try cache()
        try remember(key(sales, Self.germany), in: cache)
        let paris = ChatCompletion(text: "Paris, of course.", usage: answer.usage, finishReason: .stop)
        cache.store(paris, for: try similar(key(sales, Self.france), in: cache))
        #expect(try similar(key(sales, Self.paraphrase), in: cache, threshold: 0.2).hit == paris)
    }

    @Test func salesSemanticEntriesAreNeverFoundByDevelopment() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let cache = try cache()
        try remember(key(sales, Self.france), in: cache)
        let development = try await scope(world, "carol")
        #expect(try similar(key(development, Self.paraphrase), in: cache).hit == nil, "another team misses")
        #expect(try similar(key(development, Self.france), in: cache).hit == nil, "even word for word")
        #expect(try similar(key(try await scope(world, "alice"), Self.paraphrase), in: cache).hit == answer, "the team hits")
        #expect(cache.semanticEntryCount(of: TenantKey(development)) == 0)
    }

    @Test func everythingButTheWordingMustMatch() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let cache = try cache()
        let question = [ChatTurn(role: .user, content: Self.france)]
        try remember(key(sales, question), in: cache)
        let paraphrase = [ChatTurn(role: .user, content: Self.paraphrase)]
        #expect(try similar(key(sales, paraphrase), in: cache).hit == answer)

        let misses: [(String, ResponseCacheKey)] = [
            ("model", key(sales, paraphrase, model: "other-model")),
            ("sampling", key(sales, paraphrase, maxTokens: 17)),
            ("profile version", key(sales, paraphrase, profileVersion: 2)),
            ("knowledge version", key(sales, paraphrase, knowledgeVersion: 1)),
            ("system prompt", key(sales, [ChatTurn(role: .system, content: "Be brief.")] + paraphrase)),
            ("an earlier turn", key(sales, [ChatTurn(role: .user, content: "Hi"), ChatTurn(role: .assistant, content: "Hello!")] + paraphrase)),
        ]
        for (difference, key) in misses {
            #expect(try similar(key, in: cache).hit == nil, "a different \(difference) misses")
        }
    }

    @Test func earlierTurnsMustMeanTheSameToo() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let cache = try cache()
        func conversation(_ first: String, _ last: String) -> [ChatTurn] {
            [ChatTurn(role: .user, content: first), ChatTurn(role: .assistant, content: "Sure."), ChatTurn(role: .user, content: last)]
        }
        try remember(key(sales, conversation("We talk about Europe.", Self.france)), in: cache)
        #expect(try similar(key(sales, conversation("We talk about Europe.", Self.paraphrase)), in: cache).hit == answer)
        let otherTopic = key(sales, conversation("Tell me a joke about databases and indexes.", Self.paraphrase))
        #expect(try similar(otherTopic, in: cache).hit == nil, "the same last question after another history misses")
    }

    @Test func semanticEntriesExpireWithTheirAnswers() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let clock = ResponseCacheTests.ManualClock()
        let cache = try cache(ttl: .seconds(60), clock: clock)
        try remember(key(sales, Self.france), in: cache)
        clock.advance(by: .seconds(59))
        #expect(try similar(key(sales, Self.paraphrase), in: cache).hit == answer)
        clock.advance(by: .seconds(2))
        #expect(try similar(key(sales, Self.paraphrase), in: cache).hit == nil)
        #expect(cache.usage.entries == 0 && cache.semanticEntryCount(of: TenantKey(sales)) == 0, "dropped when found")
    }

    @Test func theByteCapEvictsSemanticEntriesWithTheirAnswers() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let keys = [Self.france, Self.montBlanc, "Who wrote Les Misérables?"].map { key(sales, $0) }
        let entryBytes = keys[0].byteCount + ResponseCache.byteCount(of: answer) + (try embedding(keys[0]).byteCount)
        let cache = try cache(bytes: entryBytes * 2 + entryBytes / 2)
        for key in keys { try remember(key, in: cache) }
        #expect(cache.usage.entries == 2 && cache.usage.bytes <= cache.configuration.maximumBytes)
        #expect(cache.semanticEntryCount(of: TenantKey(sales)) == 2, "the evicted answer left the semantic index too")
        #expect(try similar(key(sales, Self.paraphrase), in: cache).hit == nil, "France, the oldest, went")

        // A hit by meaning counts as a use: it protects its entry from the next eviction.
        #expect(try similar(key(sales, "How high is Mont Blanc?"), in: cache).hitKind == .semantic)
        try remember(key(sales, "When did the Berlin Wall fall?"), in: cache)
        #expect(cache.lookup(keys[1])?.hit == answer && cache.lookup(keys[2])?.hit == nil)
    }

    @Test func invalidatingATeamDropsItsSemanticEntriesAndAnyBeingEmbedded() async throws {
        let world = try await GatewayWorld.make()
        let sales = try await scope(world, "bob")
        let development = try await scope(world, "carol")
        let cache = try cache()
        try remember(key(sales, Self.france), in: cache)
        try remember(key(development, Self.france), in: cache)
        let beingEmbedded = try #require(cache.lookup(key(sales, Self.paraphrase)))
        cache.invalidate(team: sales)
        let late = cache.lookupSimilar(try embedding(key(sales, Self.paraphrase)), after: beingEmbedded, threshold: 0.9)
        #expect(late.hit == nil, "a lookup begun before the change finds nothing")
        cache.store(answer, for: late)
        #expect(cache.semanticEntryCount(of: TenantKey(sales)) == 0, "nor is its answer kept")
        #expect(try similar(key(sales, Self.paraphrase), in: cache).hit == nil)
        #expect(try similar(key(development, Self.paraphrase), in: cache).hit == answer, "other teams keep theirs")
    }

    @Test func conversationsSplitIntoTheQuestionAndTheTurnsBefore() {
        let single = ConversationTexts([ChatTurn(role: .system, content: "S"), ChatTurn(role: .user, content: "Q")])
        #expect(single?.question == "Q" && single?.history == nil && single?.all == ["Q"])
        let turns = ConversationTexts([
            ChatTurn(role: .system, content: "S"), ChatTurn(role: .user, content: "A"), ChatTurn(role: .assistant, content: "B"),
            ChatTurn(role: .user, content: "Q"),
        ])
        #expect(turns?.question == "Q" && turns?.history == "user: A\nassistant: B")
        #expect(ConversationTexts([ChatTurn(role: .system, content: "S")]) == nil, "nothing to compare")
    }

    // MARK: - The cache stage in the pipeline

    static let salesProfile = try! PromptProfile(
        systemPrompt: "Answer briefly.", temperature: 0, semanticCache: SemanticCacheSettings(enabled: true, threshold: 0.9))

    func makeWorld(embedder: TestDoubleEmbedder? = nil, now: @escaping @Sendable () -> Date = { Date() }) async throws
        -> GatewayWorld
    {
        let embeddings = EmbeddingQueue(embedder: embedder ?? self.embedder, modelID: "test-double")
        return try await GatewayWorld.make(now: now, responseCache: try cache(), embeddings: embeddings)
    }

    func turnOn(_ world: GatewayWorld, team: String = "acme/sales", admin: String = "alice") async throws {
        _ = try await world.gateway.administration.saveProfile(
            Self.salesProfile, of: team, principal: try await world.principal(admin), audit: world.audit())
    }

    func ask(_ world: GatewayWorld, _ holder: String, _ question: String) async throws -> ChatAnswer {
        let audit = world.audit("chat")
        defer { world.gateway.accountant.finish(audit) }
        let scope = try Authorizer.dataScope(of: try await world.principal(holder), for: .chat, audit: audit)
        let request = ChatRequest(messages: [ChatTurn(role: .user, content: question)], maxTokens: 80)
        return try await world.gateway.pipeline.answer(request, in: scope, audit: audit)
    }

    @Test func aParaphraseIsAnsweredFromTheTeamsCacheAndFlaggedSemantic() async throws {
        let world = try await makeWorld()
        try await turnOn(world)
        let first = try await ask(world, "bob", Self.france)
        let second = try await ask(world, "bob", Self.paraphrase)
        let again = try await ask(world, "bob", Self.france)
        #expect(first.cacheHit == nil && second.cacheHit == .semantic && again.cacheHit == .exact)
        #expect(second.cached && second.completion == first.completion)
        #expect(world.backend.requests.count == 1)
        #expect(embedder.texts == [Self.france, Self.paraphrase], "embedded once per exact miss, never on an exact hit")

        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.filter(\.cacheHit).count == 2)
        let usage = try #require(try await world.store.usage.report(visibleTo: try await world.principal("owner")).first)
        #expect(usage.cacheHits == 2)
    }

    @Test func developmentNeverGetsSalesAnswerByMeaning() async throws {
        let world = try await makeWorld()
        try await turnOn(world)
        try await turnOn(world, team: "acme/development", admin: "carol")
        _ = try await ask(world, "bob", Self.france)
        let development = try await ask(world, "carol", Self.paraphrase)
        let salesAgain = try await ask(world, "alice", Self.paraphrase)
        #expect(!development.cached && salesAgain.cacheHit == .semantic)
        #expect(world.backend.requests.count == 2)
    }

    @Test func aTeamWithoutTheSettingNeverEmbeds() async throws {
        let world = try await makeWorld()
        let greedy = try PromptProfile(systemPrompt: "Answer briefly.", temperature: 0)
        _ = try await world.gateway.administration.saveProfile(
            greedy, of: "acme/sales", principal: try await world.principal("alice"), audit: world.audit())
        _ = try await ask(world, "bob", Self.france)
        let paraphrase = try await ask(world, "bob", Self.paraphrase)
        let exact = try await ask(world, "bob", Self.france)
        #expect(!paraphrase.cached && exact.cacheHit == .exact)
        #expect(embedder.texts.isEmpty, "no embedding cost for a team that did not turn it on")
    }

    @Test func aConversationTooLongForTheEmbeddingModelIsNotComparedByMeaning() async throws {
        let short = TestDoubleEmbedder(Self.meanings, maxTokens: 6)
        let world = try await makeWorld(embedder: short)
        try await turnOn(world)
        _ = try await ask(world, "bob", Self.france)  // 5 words + 2: longer than the model reads
        let paraphrase = try await ask(world, "bob", Self.paraphrase)
        #expect(!paraphrase.cached && short.texts.isEmpty)
    }

    @Test func profileAndDocumentChangesEndSemanticHits() async throws {
        let world = try await makeWorld()
        try await turnOn(world)
        _ = try await ask(world, "bob", Self.france)
        try await turnOn(world)  // saved again: a new profile version
        #expect(!(try await ask(world, "bob", Self.paraphrase)).cached)
        #expect((try await ask(world, "bob", Self.france)).cacheHit == .semantic)

        let bob = try await world.principal("bob")
        let scope = try #require(bob.tenantScope)
        _ = try await world.gateway.knowledge.createCollection(named: "handbook", scope: scope, audit: world.audit())
        _ = try await world.gateway.knowledge.ingest(
            DocumentUpload(name: "capitals.txt", data: Data("Paris is the capital of France.".utf8), contentType: "text/plain"),
            into: "handbook", scope: scope,
            audit: world.audit())
        #expect(!(try await ask(world, "bob", Self.paraphrase)).cached, "a document change drops the team's answers")
    }

    @Test func aSemanticHitSpendsNoTokens() async throws {
        let clock = ManualClock()
        let world = try await makeWorld(now: { clock.now })
        try await turnOn(world)
        let dave = try await world.principal("dave")
        // A request reserves 100 tokens (20 estimated for its prompt, 80 to generate); the first spends 10.
        _ = try await world.gateway.administration.setLimits(
            try TeamLimits(tokensPerMinute: 100), of: "acme/sales", principal: dave, audit: world.audit())
        _ = try await ask(world, "bob", Self.france)
        #expect((try await ask(world, "bob", Self.paraphrase)).cacheHit == .semantic)
        await #expect(throws: GatewayError.self, "a question the cache cannot answer exceeds the budget") {
            _ = try await ask(world, "bob", Self.germany)
        }
    }

    @Test func availabilityNeedsTheResponseCacheAndAnEmbeddingModel() async throws {
        #expect(try await makeWorld().gateway.semanticCacheAvailability == .available)
        #expect(try await GatewayWorld.make(responseCache: try cache()).gateway.semanticCacheAvailability == .noEmbeddingModel)
        let noCache = try await GatewayWorld.make(
            embeddings: EmbeddingQueue(embedder: embedder, modelID: "test-double"))
        #expect(noCache.gateway.semanticCacheAvailability == .responseCacheOff)
        #expect(SemanticCacheAvailability.available.reason == nil && SemanticCacheAvailability.noEmbeddingModel.reason != nil)
    }
}
