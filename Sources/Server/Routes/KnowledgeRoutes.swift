import Foundation
import Gateway
import Hummingbird
import NIOCore
import Retrieval

/// The knowledge routes of DESIGN §4 and `POST /v1/embeddings`: always the key's own team.
/// The team and the right come from the context (decided before any handler runs), so a key
/// without the right never has its input parsed.
struct KnowledgeRoutes {
    let gateway: Gateway
    let maximumBodyBytes: Int
    let maximumUploadBytes: Int

    private var knowledge: KnowledgeService { gateway.knowledge }

    func register(on router: some RouterMethods<TeamRequestContext>) {
        router.on(AtriumRoute.createCollection, use: createCollection)
        router.on(AtriumRoute.listCollections, use: listCollections)
        router.on(AtriumRoute.deleteCollection, use: deleteCollection)
        router.on(AtriumRoute.addDocument, use: addDocument)
        router.on(AtriumRoute.listDocuments, use: listDocuments)
        router.on(AtriumRoute.deleteDocument, use: deleteDocument)
        router.on(AtriumRoute.searchCollection, use: search)
        router.on(AtriumRoute.createEmbeddings, use: embeddings)
    }

    @Sendable func createCollection(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(NameBody.self, from: request, limit: maximumBodyBytes)
        let collection = try await knowledge.createCollection(named: body.name, scope: context.scope, audit: context.audit)
        return try JSONOutput.response(CollectionView(collection), status: .created)
    }

    @Sendable func listCollections(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let collections = try await knowledge.collections(scope: context.scope, audit: context.audit)
        return try JSONOutput.response(ListView(data: collections.map(CollectionView.init)))
    }

    @Sendable func deleteCollection(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let name = try context.parameters.decoded("name")
        let collection = try await knowledge.deleteCollection(named: name, scope: context.scope, audit: context.audit)
        return try JSONOutput.response(DeletedView(id: collection.id.rawValue, object: "collection"))
    }

    /// A JSON document (`{"name", "text", "content_type"?}`) or a `multipart/form-data` upload
    /// (a `file` part, optional `name` and `content_type` fields). 201 when the document was
    /// added or replaced, 200 when it was already there unchanged.
    @Sendable func addDocument(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let collection = try context.parameters.decoded("name")
        let upload = try await DocumentUploadReader.read(request, limit: maximumUploadBytes)
        let ingestion = try await knowledge.ingest(upload, into: collection, scope: context.scope, audit: context.audit)
        if case .unchanged = ingestion.write { return try JSONOutput.response(DocumentView(ingestion)) }
        return try JSONOutput.response(DocumentView(ingestion), status: .created)
    }

    @Sendable func listDocuments(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let collection = try context.parameters.decoded("name")
        let documents = try await knowledge.documents(in: collection, scope: context.scope, audit: context.audit)
        return try JSONOutput.response(ListView(data: documents.map { DocumentView($0) }))
    }

    @Sendable func deleteDocument(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let collection = try context.parameters.decoded("name")
        let id = try context.parameters.decoded("id")
        let document = try await knowledge.deleteDocument(id, in: collection, scope: context.scope, audit: context.audit)
        return try JSONOutput.response(DeletedView(id: document.id.rawValue, object: "document"))
    }

    @Sendable func search(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let collection = try context.parameters.decoded("name")
        let body = try await JSONBody.decode(SearchBody.self, from: request, limit: maximumBodyBytes)
        let results = try await knowledge.search(
            body.query, topK: body.topK, mode: body.mode, grouping: body.grouping, chunksPerDocument: body.chunksPerDocument,
            in: collection, scope: context.scope, audit: context.audit)
        return try JSONOutput.response(SearchResultsView(results, mode: body.mode, grouping: body.grouping))
    }

    @Sendable func embeddings(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(EmbeddingsBody.self, from: request, limit: maximumBodyBytes)
        if let dimensions = body.dimensions, let served = knowledge.base?.embeddings.dimensions, dimensions != served {
            throw GatewayError.invalid("The embedding model has \(served) dimensions; 'dimensions' cannot change that", param: "dimensions")
        }
        let result = try await gateway.embeddings.embed(body.inputs, model: body.model, scope: context.scope, audit: context.audit)
        return try JSONOutput.response(EmbeddingsView(result, base64: body.encoding == .base64))
    }
}
