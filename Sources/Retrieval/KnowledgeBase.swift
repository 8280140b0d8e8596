import Store
import Tenancy

/// Per-team knowledge: collections of documents, ingested and searched. Every method takes
/// the request's ``TenantScope``; there is no way to reach a team's documents without one.
///
/// ```swift
/// let embeddings = EmbeddingQueue(embedder: try SentenceEmbedder(folder: folder, threads: 2), modelID: "minilm-l6")
/// let knowledge = KnowledgeBase(store: store, embeddings: embeddings)
/// try await knowledge.createCollection(named: "handbook", in: scope)
/// let write = try await knowledge.ingest(DocumentUpload(name: "refunds.md", data: data, contentType: nil),
///                                        into: "handbook", scope: scope)
/// let hits = try await knowledge.search(try SearchRequest(query: "refund window", topK: 4), in: scope)
/// ```
public final class KnowledgeBase: Sendable {
    public let store: AtriumStore
    public let embeddings: EmbeddingQueue
    public let index: KnowledgeIndex
    /// Each team's recent query embeddings (see ``QueryEmbeddingCache``).
    public let queryCache: QueryEmbeddingCache
    private let ingestor: DocumentIngestor
    private let searcher: HybridSearcher

    /// - Parameter chunker: how documents are cut; by default up to `Chunker.standardTargetTokens`
    ///   of the embedding model's tokens per chunk, with `Chunker.standardOverlapTokens` of overlap.
    /// - Parameter queryCache: the teams' query embeddings; by default 128 queries a team.
    public init(
        store: AtriumStore, embeddings: EmbeddingQueue, loader: DocumentLoader = DocumentLoader(), chunker: Chunker? = nil,
        queryCache: QueryEmbeddingCache = QueryEmbeddingCache()
    ) {
        self.store = store
        self.queryCache = queryCache
        self.embeddings = embeddings
        let model = embeddings.modelID
        let dimensions = embeddings.dimensions
        let index = KnowledgeIndex(dimensions: dimensions, versionedLoad: { scope in
            try await store.knowledge.vectorsWithVersion(in: scope, model: model, dimensions: dimensions)
        })
        self.index = index
        let embedder = embeddings.embedder
        let chunker = chunker ?? Chunker(countTokens: { embedder.countTokens($0) })
        ingestor = DocumentIngestor(
            store: store, index: index, embeddings: embeddings, lanes: IngestionLanes(), loader: loader, chunker: chunker)
        searcher = HybridSearcher(store: store, index: index, embeddings: embeddings, queryCache: queryCache)
    }

    // MARK: Collections

    /// - Throws: `StoreError.nameTaken` when the team has a collection of that name.
    @discardableResult
    public func createCollection(named name: String, in scope: TenantScope) async throws -> KnowledgeCollection {
        try await store.knowledge.createCollection(named: name, in: scope)
    }

    public func collections(in scope: TenantScope) async throws -> [KnowledgeCollection] {
        try await store.knowledge.collections(in: scope)
    }

    /// Deletes the collection and everything in it; searches stop finding it at once.
    @discardableResult
    public func deleteCollection(named name: String, in scope: TenantScope) async throws -> KnowledgeCollection {
        let index = index
        return try await store.knowledge.deleteCollection(named: name, in: scope) { index.apply($0, to: scope) }
    }

    // MARK: Documents

    /// Loads, chunks, embeds and stores a document (see ``DocumentIngestor``).
    /// - Throws: ``LoadingError`` for content Atrium cannot read, `StoreError` for a missing
    ///   collection or a bad name.
    public func ingest(_ upload: DocumentUpload, into collection: String, scope: TenantScope) async throws -> DocumentWrite {
        try await ingestCounted(upload, into: collection, scope: scope).write
    }

    /// ``ingest(_:into:scope:)`` with the tokens embedded for it, for the team's limits;
    /// `reserving` is given the most the chunks to embed can cost before any is embedded.
    public func ingestCounted(
        _ upload: DocumentUpload, into collection: String, scope: TenantScope,
        reserving: @Sendable (Int) async throws -> Void = { _ in }
    ) async throws -> DocumentIngestion {
        try await ingestor.ingest(upload, into: collection, scope: scope, reserving: reserving)
    }

    public func documents(in collection: String, scope: TenantScope) async throws -> [KnowledgeDocument] {
        try await store.knowledge.documents(in: collection, scope: scope)
    }

    /// Deletes a document; searches stop finding it at once.
    @discardableResult
    public func deleteDocument(_ id: DocumentID, in collection: String, scope: TenantScope) async throws -> KnowledgeDocument {
        let index = index
        return try await store.knowledge.deleteDocument(id, in: collection, scope: scope) { index.apply($0, to: scope) }
    }

    // MARK: Search

    /// The team's chunks that best answer `request`, best first.
    public func search(_ request: SearchRequest, in scope: TenantScope) async throws -> [SearchHit] {
        try await searchCounted(request, in: scope).hits
    }

    /// ``search(_:in:)`` with the tokens embedded for the query, for the team's limits.
    public func searchCounted(_ request: SearchRequest, in scope: TenantScope) async throws -> SearchResults {
        try await searcher.search(request, in: scope)
    }
}
