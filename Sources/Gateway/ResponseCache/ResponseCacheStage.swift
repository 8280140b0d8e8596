import Metrics
import Retrieval
import Store
import Tenancy

/// The cache stage: looks a deterministic request up in the team's part of the
/// ``ResponseCache`` — exactly, then, when the team's profile turns the semantic cache on and
/// an embedding model is loaded, by meaning — and counts the outcome per team
/// (`atrium_response_cache_hits_total{team, kind}` with kind `exact` or `semantic`,
/// `atrium_response_cache_misses_total{team}`). Requests that sample without a seed are never
/// cached: they are meant to differ.
///
/// The conversation is embedded only on an exact miss of a team with the semantic cache on
/// (`atrium_response_cache_embedding_seconds{team}`), and the embedding travels in the lookup
/// to be stored with the answer. A conversation part longer than the embedding model reads
/// is not compared by meaning at all: the model would ignore its end.
struct ResponseCacheStage: Sendable {
    let cache: ResponseCache
    /// The embedding model of the semantic layer; nil when the server has none.
    let embeddings: EmbeddingQueue?
    /// Where the team's knowledge version comes from (never cached: another server sharing
    /// the database may have changed the documents).
    let knowledge: KnowledgeRepository

    init(cache: ResponseCache, embeddings: EmbeddingQueue? = nil, knowledge: KnowledgeRepository) {
        self.cache = cache
        self.embeddings = embeddings
        self.knowledge = knowledge
    }

    /// The version of the team's documents for the request's cache key, part of it so an
    /// answer never outlives the documents it came from (document changes made through this
    /// server also call ``ResponseCache/invalidate(team:)``, which frees the stale entries at
    /// once). Read before retrieval, so an answer is never stored under a version newer than
    /// its sources. Not read when the cache is off, nor for a team whose chats retrieve
    /// nothing: its answers cannot depend on documents (0; turning retrieval on makes a new
    /// profile version, so new keys).
    func knowledgeVersion(for profile: PromptProfile, in scope: TenantScope) async throws -> Int {
        guard cache.configuration.isEnabled, profile.retrieval.enabled else { return 0 }
        return try await knowledge.version(in: scope)
    }

    /// The lookup of a deterministic request, or nil (not deterministic, or the cache is off).
    func lookup(_ request: GenerationRequest, in scope: TenantScope, team: TeamContext, knowledgeVersion: Int) async
        -> ResponseCache.Lookup?
    {
        guard cache.configuration.isEnabled, ResponseCacheKey.isDeterministic(request.sampling) else { return nil }
        let key = ResponseCacheKey(
            scope: scope, request: request, profileVersion: team.profile.version, knowledgeVersion: knowledgeVersion)
        guard var lookup = cache.lookup(key) else { return nil }
        let semantic = team.profile.semanticCache
        if lookup.hit == nil, semantic.enabled, let embedding = await embed(key, scope: scope) {
            lookup = cache.lookupSimilar(embedding, after: lookup, threshold: semantic.threshold)
        }
        Self.count(lookup, team: scope.teamID)
        return lookup
    }

    /// The embedding of the key's conversation, or nil when there is no embedding model, no
    /// message to compare, a part too long for the model, or the model failed (a cache must
    /// never fail a request).
    private func embed(_ key: ResponseCacheKey, scope: TenantScope) async -> ConversationEmbedding? {
        guard let embeddings, let texts = ConversationTexts(key.messages) else { return nil }
        let embedder = embeddings.embedder
        let started = ContinuousClock.now
        let parts = texts.all
        // Tokenizing is CPU work (off the request's thread); the model pass waits in the team's
        // own queue, so one team's cache lookups never stall another team's embeddings.
        let fits = try? await embeddings.run {
            parts.allSatisfy { embedder.countTokens($0) <= embedder.maxTokens }
        }
        guard fits == true else { return nil }
        let vectors = try? await embeddings.embed(parts, for: scope, lane: .interactive).vectors
        Timer(label: "atrium_response_cache_embedding_seconds", dimensions: [("team", scope.teamID.rawValue)])
            .record(duration: started.duration(to: .now))
        return vectors.flatMap(ConversationEmbedding.init(vectors:))
    }

    private static func count(_ lookup: ResponseCache.Lookup, team: TeamID) {
        if let kind = lookup.hitKind {
            Counter(label: "atrium_response_cache_hits_total", dimensions: [("team", team.rawValue), ("kind", kind.rawValue)])
                .increment()
        } else {
            Counter(label: "atrium_response_cache_misses_total", dimensions: [("team", team.rawValue)]).increment()
        }
    }
}
