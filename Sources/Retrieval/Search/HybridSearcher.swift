import Store
import Tenancy

/// Searches a team's knowledge: vector similarity over the team's in-memory partition and
/// BM25 over the team's full-text table (chunk text, heading path and document name, weighted
/// by ``FullTextTable``), fused by reciprocal rank.
///
/// Both kinds of search fuse the two chunk rankings. A document search then places each
/// document at its best chunk, so one long document no longer crowds the first results.
/// Fusing at chunk level ranked better on `make eval` than turning each ranking into documents
/// first and fusing those (debian-info, hybrid nDCG@10: 0.751 for the first ten chunks, a
/// lower bound of this, against 0.721; see README "Retrieval quality and ingestion speed").
struct HybridSearcher: Sendable {
    /// Vector candidates below this cosine similarity are not results: for MiniLM, unrelated
    /// texts score around 0.0–0.15, so a chat never gets sources that merely exist.
    static let minimumSimilarity: Float = 0.2
    /// Each ranking offers this many candidates per requested chunk to the fusion.
    static let candidatesPerResult = 4
    /// … and this many per requested document, or per chunk when one document's chunks are
    /// limited: several chunks of one document share a document's place.
    static let candidatesPerDocument = 10
    static let maximumCandidates = 400
    /// Weighted reciprocal rank fusion of the vector and BM25 chunk rankings: BM25 gives
    /// `bm25Weight / (fusionConstant + rank)`, vectors `1 / (fusionConstant + rank)`. Chosen by
    /// `scripts/sweep-retrieval` on both `make eval` corpora (README "Retrieval quality and
    /// ingestion speed"; 8 constants × 8 weights × 7 field weightings): with the document's
    /// name as a field BM25 is the stronger ranking, and the paper's equal weights with k = 60
    /// let the vectors pull its first hits down (hybrid nDCG@10 0.747 against BM25's 0.834 on
    /// debian-info). A small constant keeps the first ranks decisive; vectors still lift what
    /// BM25 ranks low or misses (hybrid 0.878 against BM25's 0.869 and the vectors' 0.562).
    static let fusionConstant = 1.0
    static let bm25Weight = 3.0

    typealias Ranking = [(id: Int64, score: Double)]

    let store: AtriumStore
    let index: KnowledgeIndex
    let embeddings: EmbeddingQueue
    let queryCache: QueryEmbeddingCache

    func search(_ request: SearchRequest, in scope: TenantScope) async throws -> SearchResults {
        let (collections, all) = try await collectionIDs(for: request, in: scope)
        guard !collections.isEmpty else { return SearchResults(hits: [], embeddedTokens: 0) }
        let grouped = request.grouping == .document || request.chunksPerDocument != nil
        let perResult = grouped ? Self.candidatesPerDocument : Self.candidatesPerResult
        let candidates = min(max(request.topK * perResult, 40), Self.maximumCandidates)
        async let byVector = vectorRanking(request, collections: collections, limit: candidates, scope: scope)
        async let byText = textRanking(request, collections: all ? nil : collections, limit: candidates, scope: scope)
        let vectorRanked = try await byVector
        let rankings: [Ranking]
        switch request.mode {
        case .vector: rankings = [vectorRanked.ranking]
        case .bm25: rankings = [try await byText]
        case .hybrid: rankings = [vectorRanked.ranking, try await byText]
        }
        let chunkRanking = rankings.count == 1
            ? rankings[0]
            : RankFusion.fuse(rankings.map { $0.map(\.id) }, weights: [1, Self.bm25Weight], k: Self.fusionConstant)
        switch request.grouping {
        case .chunk:
            let hits = try await chunkHits(chunkRanking, request, scope)
            return SearchResults(hits: hits, embeddedTokens: vectorRanked.tokens)
        case .document:
            let documents = try await documentHits(chunkRanking, request, scope)
            return SearchResults(hits: documents.flatMap(\.chunks), documents: documents, embeddedTokens: vectorRanked.tokens)
        }
    }

    /// The first `topK` chunks of the ranking, at most `chunksPerDocument` of one document.
    private func chunkHits(_ ranked: Ranking, _ request: SearchRequest, _ scope: TenantScope) async throws -> [SearchHit] {
        var top: Ranking = []
        if let limit = request.chunksPerDocument {
            let documents = try await store.knowledge.documentIDs(ofChunks: ranked.map(\.id), in: scope)
            var taken: [DocumentID: Int] = [:]
            for entry in ranked where top.count < request.topK {
                // A chunk deleted since the ranking was made has no document here.
                guard let document = documents[entry.id], taken[document, default: 0] < limit else { continue }
                taken[document, default: 0] += 1
                top.append(entry)
            }
        } else {
            top = Array(ranked.prefix(request.topK))
        }
        let scores = Dictionary(top.map { ($0.id, $0.score) }, uniquingKeysWith: { first, _ in first })
        // A chunk deleted since the ranking was made is simply missing here.
        return try await store.knowledge.chunks(top.map(\.id), in: scope).map { chunk in
            SearchHit(chunk: chunk, score: scores[chunk.id] ?? 0)
        }
    }

    /// The first `topK` documents of the chunk ranking, each at the place (and with the score)
    /// of its best chunk, each with its best chunks in the ranking's order.
    private func documentHits(_ chunkRanking: Ranking, _ request: SearchRequest, _ scope: TenantScope) async throws
        -> [DocumentHit]
    {
        let documentOf = try await store.knowledge.documentIDs(ofChunks: chunkRanking.map(\.id), in: scope)
        let top = Self.documentRanking(chunkRanking, documentOf: documentOf).prefix(request.topK)
        let wanted = Set(top.map(\.id))
        let limit = request.chunksPerDocument ?? SearchRequest.defaultChunksPerDocument
        var chunksOf: [DocumentID: Ranking] = [:]
        for entry in chunkRanking {
            guard let document = documentOf[entry.id], wanted.contains(document),
                chunksOf[document, default: []].count < limit
            else { continue }
            chunksOf[document, default: []].append(entry)
        }
        let chunkIDs = top.flatMap { chunksOf[$0.id]?.map(\.id) ?? [] }
        let stored = Dictionary(
            try await store.knowledge.chunks(chunkIDs, in: scope).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return top.compactMap { document in
            let hits = (chunksOf[document.id] ?? []).compactMap { entry in
                stored[entry.id].map { SearchHit(chunk: $0, score: entry.score) }
            }
            // A document deleted since the ranking was made is simply missing here.
            guard let first = hits.first else { return nil }
            return DocumentHit(
                documentID: document.id, documentName: first.chunk.documentName, score: document.score, chunks: hits)
        }
    }

    /// The documents of a chunk ranking, each once at the place of its best chunk, with that
    /// chunk's score.
    static func documentRanking(_ ranking: Ranking, documentOf: [Int64: DocumentID]) -> [(id: DocumentID, score: Double)] {
        var seen = Set<DocumentID>()
        var documents: [(id: DocumentID, score: Double)] = []
        for entry in ranking {
            guard let document = documentOf[entry.id], seen.insert(document).inserted else { continue }
            documents.append((document, entry.score))
        }
        return documents
    }

    private func vectorRanking(_ request: SearchRequest, collections: [CollectionID], limit: Int, scope: TenantScope)
        async throws -> (ranking: Ranking, tokens: Int)
    {
        guard request.mode != .bm25 else { return ([], 0) }
        let query = try await queryVector(request.query, scope: scope)
        // Read for every search: another replica may have changed the team's documents.
        let version = try await store.knowledge.version(in: scope)
        let ranking = try await index.nearest(
            to: query.vector, in: collections, limit: limit, minimum: Self.minimumSimilarity, scope: scope,
            knowledgeVersion: version)
        return (ranking.map { (id: $0.id, score: Double($0.score)) }, query.tokens)
    }

    /// The query's embedding from the team's cache, or from the model (then cached); the
    /// tokens the model read for it (0 from the cache).
    private func queryVector(_ query: String, scope: TenantScope) async throws -> (vector: [Float], tokens: Int) {
        if let cached = queryCache.vector(for: query, in: scope) { return (cached, 0) }
        let embedded = try await embeddings.embed([query], for: scope, lane: .interactive)
        queryCache.store(embedded.vectors[0], for: query, in: scope)
        return (embedded.vectors[0], embedded.tokens)
    }

    private func textRanking(_ request: SearchRequest, collections: [CollectionID]?, limit: Int, scope: TenantScope)
        async throws -> Ranking
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
