import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import NIOCore
import Retrieval
import Tenancy

/// The team's knowledge (`/v1/collections…`) for the key's own team: collections, documents
/// (upload by the page's script with progress, delete) and a search tester that runs the same
/// query as BM25, vectors and hybrid side by side. Every request is authorized for its action
/// like the API's data plane and held to the team's and key's limits for its duration.
struct KnowledgePage<Context: ConsoleRequestContext> {
    let routes: ConsoleRoutes<Context>
    private var knowledge: KnowledgeService { routes.gateway.knowledge }
    static var documentNameHeader: HTTPField.Name { HTTPField.Name("X-Document-Name")! }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/knowledge") { request, context in
            try await routes.page(request, context) { signedIn in
                try await data(signedIn, .readDocuments) { scope in try await collectionsPage(signedIn, scope) }
            }
        }
        router.post("/console/knowledge") { request, context in
            try await routes.handle(request, context, action: "console.collection.create", changesState: true) {
                signedIn in
                let name = try signedIn.form.required("name")
                return try await data(signedIn, .writeDocuments) { scope in
                    do {
                        _ = try await knowledge.createCollection(named: name, scope: scope, audit: signedIn.audit)
                        return ConsoleResponse.redirect(
                            to: "/console/knowledge/\(DirectoryPages<Context>.pathSegment(name))")
                    } catch {
                        let failure = ConsoleFailure.from(error)
                        let page = try await collectionsPage(
                            signedIn, scope, errors: DirectoryPages<Context>.errors(failure, formField: "name"),
                            typed: name)
                        return ConsoleResponse.html(page, status: .init(code: failure.status))
                    }
                }
            }
        }
        router.get("/console/knowledge/:collection") { request, context in
            return try await routes.page(request, context) { signedIn in
                let collection = try DirectoryPages<Context>.parameter("collection", context)
                let query = request.uri.queryParameters.get("query")
                return try await data(signedIn, .readDocuments) { scope in
                    try await collectionPage(signedIn, scope, collection, query: query)
                }
            }
        }
        router.post("/console/knowledge/:collection/delete") { request, context in
            return try await routes.handle(request, context, action: "console.collection.delete", changesState: true) {
                signedIn in
                let collection = try DirectoryPages<Context>.parameter("collection", context)
                return try await data(signedIn, .writeDocuments) { scope in
                    try await knowledge.deleteCollection(named: collection, scope: scope, audit: signedIn.audit)
                    return ConsoleResponse.redirect(to: "/console/knowledge")
                }
            }
        }
        // The page's script sends the file's bytes as they are; the answer is JSON for it.
        router.post("/console/knowledge/:collection/documents") { request, context in
            return try await routes.handle(request, context, action: "console.document.upload", changesState: true) {
                signedIn in
                let collection = try DirectoryPages<Context>.parameter("collection", context)
                return try await data(signedIn, .writeDocuments) { scope in
                    try await upload(signedIn, scope, collection)
                }
            }
        }
        router.post("/console/knowledge/:collection/documents/:id/delete") { request, context in
            return try await routes.handle(request, context, action: "console.document.delete", changesState: true) {
                signedIn in
                let collection = try DirectoryPages<Context>.parameter("collection", context)
                let id = try DirectoryPages<Context>.parameter("id", context)
                return try await data(signedIn, .writeDocuments) { scope in
                    try await knowledge.deleteDocument(id, in: collection, scope: scope, audit: signedIn.audit)
                    return ConsoleResponse.redirect(
                        to: "/console/knowledge/\(DirectoryPages<Context>.pathSegment(collection))")
                }
            }
        }
    }

    /// `body` in the key's team, if the key may do `action` there, under the team's limits.
    private func data<T: Sendable>(
        _ signedIn: SignedInRequest, _ action: Action, _ body: (TenantScope) async throws -> T
    ) async throws -> T {
        let scope = try Authorizer.dataScope(of: signedIn.principal, for: action, audit: signedIn.audit)
        return try await routes.gateway.limits.metered(scope, audit: signedIn.audit) { try await body(scope) }
    }

    private func collectionsPage(
        _ signedIn: SignedInRequest, _ scope: TenantScope, errors: [String: String] = [:], typed: String = ""
    ) async throws -> String {
        let collections = try await knowledge.collections(scope: scope, audit: signedIn.audit)
        var view = signedIn.view(current: "/console/knowledge")
        view["collections"] = collections.map {
            [
                "name": $0.name, "path": DirectoryPages<Context>.pathSegment($0.name), "documents": $0.documentCount,
                "chunks": $0.chunkCount,
            ] as [String: Any]
        }
        view["mayWrite"] = signedIn.principal.rights.contains(.writeDocuments)
        view["errors"] = errors
        view["values"] = ["name": typed]
        return routes.templates.render("knowledge", view)
    }

    private func collectionPage(_ signedIn: SignedInRequest, _ scope: TenantScope, _ collection: String, query: String?)
        async throws -> String
    {
        let documents = try await knowledge.documents(in: collection, scope: scope, audit: signedIn.audit)
        let path = DirectoryPages<Context>.pathSegment(collection)
        var view = signedIn.view(current: "/console/knowledge")
        view["collection"] = collection
        view["path"] = path
        view["documents"] = documents.map { document -> [String: Any] in
            [
                "id": document.id.rawValue, "name": document.name, "format": document.format,
                "chunks": document.chunkCount, "bytes": document.byteCount, "path": path, "csrf": signedIn.csrf,
            ]
        }
        let mayWrite = signedIn.principal.rights.contains(.writeDocuments)
        view["mayWrite"] = mayWrite
        view["uploadLimit"] = routes.configuration.maximumUploadBytes
        if let query = query?.trimmingCharacters(in: .whitespacesAndNewlines), !query.isEmpty {
            view["query"] = query
            var columns: [[String: Any]] = []
            for mode in [SearchMode.bm25, .vector, .hybrid] {
                do {
                    let results = try await knowledge.search(
                        query, topK: 5, mode: mode, in: collection, scope: scope, audit: signedIn.audit)
                    columns.append([
                        "mode": mode.rawValue,
                        "hits": results.hits.map { hit -> [String: Any] in
                            [
                                "document": hit.chunk.documentName, "chunk": hit.chunk.index,
                                "section": hit.chunk.headingPath.joined(separator: " › "),
                                "score": String(format: "%.4f", hit.score), "text": String(hit.chunk.text.prefix(300)),
                            ]
                        },
                    ])
                } catch {
                    columns.append(["mode": mode.rawValue, "error": ConsoleFailure.from(error).message])
                }
            }
            view["columns"] = columns
            view["hasResults"] = true
        }
        return routes.templates.render("collection", view)
    }

    private func upload(_ signedIn: SignedInRequest, _ scope: TenantScope, _ collection: String) async throws
        -> Response
    {
        guard let name = signedIn.request.headers[Self.documentNameHeader]?.removingPercentEncoding,
            !name.isEmpty, name.utf8.count <= 255,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw ConsoleFailure.invalid("must be given (the file's name)", field: "file") }
        var request = signedIn.request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: routes.configuration.maximumUploadBytes)
        } catch {
            throw ConsoleFailure(
                status: 413, message: "The file is larger than \(routes.configuration.maximumUploadBytes) bytes.",
                field: "file")
        }
        let upload = DocumentUpload(
            name: name, data: Data(body.readableBytesView), contentType: request.headers[.contentType])
        let ingestion = try await knowledge.ingest(upload, into: collection, scope: scope, audit: signedIn.audit)
        let document = ingestion.write.document
        let json = try JSONSerialization.data(withJSONObject: [
            "id": document.id.rawValue, "name": document.name, "chunks": document.chunkCount,
        ])
        var headers = ConsoleResponse.headers(contentType: "application/json")
        headers[.cacheControl] = "no-store"
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}
