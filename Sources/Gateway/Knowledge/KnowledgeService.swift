import Metrics
import Retrieval
import Store
import Tenancy

/// The knowledge routes' stages: authorize the key's team for the action, run it on the
/// team's ``KnowledgeBase``, and fill in the request's audit (which collection or document,
/// which chunks a search returned).
///
/// Authorization comes first and on its own (``authorize(_:principal:audit:)``), so a caller
/// without the right never has its body read. Another team's collections and documents are
/// not found (404), exactly like ones that do not exist: every lookup runs in the key's scope.
///
/// ```swift
/// let scope = try Authorizer.dataScope(of: principal, for: .search, audit: audit)
/// let hits = try await gateway.knowledge.search(request, in: "handbook", scope: scope, audit: audit)
/// ```
public struct KnowledgeService: Sendable {
    /// nil when the server runs without an embedding model: every call then answers 503.
    public let base: KnowledgeBase?
    let profiles: ProfileStage
    /// Called after a team's documents changed (added, replaced or deleted).
    var documentsChanged: @Sendable (TenantScope) -> Void = { _ in }

    public func createCollection(named name: String, scope: TenantScope, audit: RequestAudit) async throws
        -> KnowledgeCollection
    {
        audit.describe(action: .writeDocuments, resource: Self.resource(scope, collection: name))
        return try await knowledge().createCollection(named: name, in: scope)
    }

    public func collections(scope: TenantScope, audit: RequestAudit) async throws -> [KnowledgeCollection] {
        audit.describe(action: .readDocuments, resource: Self.resource(scope, collection: nil))
        return try await knowledge().collections(in: scope)
    }

    @discardableResult
    public func deleteCollection(named name: String, scope: TenantScope, audit: RequestAudit) async throws
        -> KnowledgeCollection
    {
        audit.describe(action: .writeDocuments, resource: Self.resource(scope, collection: name))
        let collection = try await knowledge().deleteCollection(named: name, in: scope)
        documentsChanged(scope)
        return collection
    }

    /// Ingests one document; the audit names it and records the stored document's id. The
    /// result's `chargedTokens` are what the team's token limits are charged.
    public func ingest(_ upload: DocumentUpload, into collection: String, scope: TenantScope, audit: RequestAudit)
        async throws -> DocumentIngestion
    {
        audit.describe(
            action: .writeDocuments, resource: Self.resource(scope, collection: collection) + "/document:\(upload.name)")
        // Once chunked, the most its new chunks can cost is reserved against the per-minute
        // limits before any is embedded, as an embeddings request's inputs are: uploads sent
        // together no longer all pass a limit that holds one.
        let ingestion = try await knowledge().ingestCounted(upload, into: collection, scope: scope) {
            try await LimitStage.reserve(atMost: $0)
        }
        let write = ingestion.write
        if case .unchanged = write {} else { documentsChanged(scope) }
        // The chunks' tokens the embedding model read count against the team's limits.
        audit.served(Usage(promptTokens: ingestion.chargedTokens, completionTokens: 0))
        audit.retrieved([write.document.id.rawValue])
        let team = scope.teamID.rawValue
        Counter(label: "atrium_knowledge_documents_total", dimensions: [("team", team), ("status", write.status)]).increment()
        if case .unchanged = write {} else {
            Counter(label: "atrium_knowledge_chunks_ingested_total", dimensions: [("team", team)])
                .increment(by: write.document.chunkCount)
        }
        return ingestion
    }

    public func documents(in collection: String, scope: TenantScope, audit: RequestAudit) async throws
        -> [KnowledgeDocument]
    {
        audit.describe(action: .readDocuments, resource: Self.resource(scope, collection: collection) + "/documents")
        return try await knowledge().documents(in: collection, scope: scope)
    }

    /// Deletes a document by id; an id of the wrong shape is simply not found.
    @discardableResult
    public func deleteDocument(_ id: String, in collection: String, scope: TenantScope, audit: RequestAudit) async throws
        -> KnowledgeDocument
    {
        audit.describe(action: .writeDocuments, resource: Self.resource(scope, collection: collection) + "/document:\(id)")
        let base = try knowledge()
        guard DocumentID.isWellFormed(id) else { throw GatewayError.notFound("document", id) }
        let document = try await base.deleteDocument(DocumentID(rawValue: id), in: collection, scope: scope)
        documentsChanged(scope)
        audit.retrieved([document.id.rawValue])
        return document
    }

    /// Searches one of the team's collections for the `topK` best chunks (by default the
    /// team profile's `retrieval.top_k`); the audit keeps the query and the chunks found.
    /// The result's `embeddedTokens` (the query's) are what the team's token limits are charged.
    /// - Throws: ``GatewayError`` 400 for an empty query, `topK` or `chunksPerDocument` outside 1…50, 404 for a
    ///   collection the team does not have.
    /// With `grouping` `.document`, `topK` counts documents, each with at most
    /// `chunksPerDocument` of its chunks; with `.chunk`, `chunksPerDocument` (if given) limits
    /// the chunks one document contributes.
    public func search(
        _ query: String, topK: Int?, mode: SearchMode, grouping: SearchGrouping = .chunk, chunksPerDocument: Int? = nil,
        in collection: String, scope: TenantScope, audit: RequestAudit
    ) async throws -> SearchResults {
        audit.describe(action: .search, resource: Self.resource(scope, collection: collection))
        audit.query(query)
        let base = try knowledge()
        let count: Int
        if let topK {
            count = topK
        } else {
            count = try await profiles.context(for: scope).profile.retrieval.topK
        }
        let request = try SearchRequest(
            query: query, topK: count, mode: mode, collections: [collection], grouping: grouping,
            chunksPerDocument: chunksPerDocument)
        if mode != .bm25 {
            try await LimitStage.reserve(atMost: base.embeddings.mostTokens(query))
        }
        let started = ContinuousClock.now
        let results = try await base.searchCounted(request, in: scope)
        Self.recordSearch(started, team: scope.teamID, kind: mode.rawValue)
        // The query's tokens, when the embedding model read it, count against the team's limits.
        audit.served(Usage(promptTokens: results.embeddedTokens, completionTokens: 0))
        audit.retrieved(results.hits.map(\.reference))
        return results
    }

    /// `atrium_knowledge_search_seconds{team, mode}`: `hybrid`, `bm25`, `vector`, or `chat`
    /// for the retrieval inside a chat.
    static func recordSearch(_ started: ContinuousClock.Instant, team: TeamID, kind: String) {
        Timer(label: "atrium_knowledge_search_seconds", dimensions: [("team", team.rawValue), ("mode", kind)])
            .record(duration: started.duration(to: .now))
    }

    func knowledge() throws -> KnowledgeBase {
        guard let base else { throw GatewayError.knowledgeUnavailable }
        return base
    }

    /// `team:team_…/collection:handbook`.
    static func resource(_ scope: TenantScope, collection: String?) -> String {
        Resource.team(scope.team).description + (collection.map { "/collection:\($0)" } ?? "/collections")
    }
}
