import Store
import Tenancy

/// Searches a team's knowledge: vector similarity over the team's in-memory partition and
/// BM25 over the team's full-text table, fused by reciprocal rank.
struct HybridSearcher: Sendable {
    /// Vector candidates below this cosine similarity are not results: for MiniLM, unrelated
    /// texts score around 0.0–0.15, so a chat never gets sources that merely exist.
    static let minimumSimilarity: Float = 0.2
    /// Each ranking offers this many candidates per requested result to the fusion.
    static let candidatesPerResult = 4

    let store: AtriumStore
    let index: KnowledgeIndex
    let embeddings: EmbeddingQueue

    func search(_ request: SearchRequest, in scope: TenantScope) async throws -> SearchResults {
        let (collections, all) = try await collectionIDs(for: request, in: scope)
        guard !collections.isEmpty else { return SearchResults(hits: [], embeddedTokens: 0) }
        let candidates = min(max(request.topK * Self.candidatesPerResult, 40), 200)
        async let byVector = vectorRanking(request, collections: collections, limit: candidates, scope: scope)
        async let byText = textRanking(request, collections: all ? nil : collections, limit: candidates, scope: scope)
        let ranked: [(id: Int64, score: Double)]
        let vectorRanked = try await byVector
        switch request.mode {
        case .vector: ranked = vectorRanked.ranking
        case .bm25: ranked = try await byText
        case .hybrid: ranked = RankFusion.fuse([vectorRanked.ranking.map(\.id), try await byText.map(\.id)])
        }
        let top = Array(ranked.prefix(request.topK))
        let scores = Dictionary(top.map { ($0.id, $0.score) }, uniquingKeysWith: { first, _ in first })
        // A chunk deleted since the ranking was made is simply missing here.
        let hits = try await store.knowledge.chunks(top.map(\.id), in: scope).map { chunk in
            SearchHit(chunk: chunk, score: scores[chunk.id] ?? 0)
        }
        return SearchResults(hits: hits, embeddedTokens: vectorRanked.tokens)
    }

    private func vectorRanking(_ request: SearchRequest, collections: [CollectionID], limit: Int, scope: TenantScope)
        async throws -> (ranking: [(id: Int64, score: Double)], tokens: Int)
    {
        guard request.mode != .bm25 else { return ([], 0) }
        let query = try await embeddings.embed([request.query], for: scope, lane: .interactive)
        let ranking = try await index.nearest(
            to: query.vectors[0], in: collections, limit: limit, minimum: Self.minimumSimilarity, scope: scope)
        return (ranking.map { (id: $0.id, score: Double($0.score)) }, query.tokens)
    }

    private func textRanking(_ request: SearchRequest, collections: [CollectionID]?, limit: Int, scope: TenantScope)
        async throws -> [(id: Int64, score: Double)]
    {
        guard request.mode != .vector, let query = FullTextQuery(request.query) else { return [] }
        return try await store.knowledge.fullTextSearch(query, collections: collections, limit: limit, in: scope)
            .map { (id: $0.chunkID, score: $0.score) }
    }

    /// The ids of the collections the request names (all of the team's when it names none),
    /// and whether they are all the team has.
    private func collectionIDs(for request: SearchRequest, in scope: TenantScope) async throws
        -> (ids: [CollectionID], all: Bool)
    {
        let team = try await store.knowledge.collectionNames(in: scope)
        guard !request.collections.isEmpty else { return (team.map(\.id), true) }
        var ids: [CollectionID] = []
        for name in request.collections {
            if let found = team.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                if !ids.contains(found.id) { ids.append(found.id) }
            } else if request.requiresCollections {
                throw StoreError.notFound(kind: "collection", address: name)
            }
        }
        return (ids, ids.count == team.count)
    }
}
