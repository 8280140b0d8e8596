import Foundation
import Tenancy

/// A team's knowledge: collections, documents, their chunks, vectors and full-text rows.
///
/// Every method takes the ``TenantScope`` of the request and puts its team into every
/// statement: another team's collection is simply not found (on PostgreSQL every transaction
/// is the team's own as well, so row-level security holds it to the team's rows). Writes are
/// single transactions — a document and all its chunks, vectors and full-text rows appear
/// together or not at all, and disappear together. Writers that keep an in-memory index pass
/// `onCommit`: it runs right after the commit and before any later write's, so index updates
/// follow the order of commits (``SQLConnection/afterCommit(_:)``).
///
/// ```swift
/// try await store.knowledge.createCollection(named: "handbook", in: scope)
/// let write = try await store.knowledge.store(draft, in: "handbook", scope: scope) { change in index.apply(change) }
/// ```
public struct KnowledgeRepository: Sendable {
    let backend: any StoreBackend

    /// Called after a write committed, with what it changed.
    public typealias CommitHandler = @Sendable (KnowledgeChange) -> Void

    /// Creates an empty collection.
    /// - Throws: ``StoreError/nameTaken(kind:name:)`` if the team has one by that name.
    @discardableResult
    public func createCollection(named name: String, in scope: TenantScope, now: Date = Date()) async throws
        -> KnowledgeCollection
    {
        let name = try DirectoryName.validated(name, kind: "collection")
        let id = CollectionID.random()
        return try await backend.write(in: scope) { db in
            if try Self.collection(named: name, scope, db) != nil {
                throw StoreError.nameTaken(kind: "collection", name: name)
            }
            try MembershipRepository.requireTeam(scope.team, db)
            try db.execute(
                """
                INSERT INTO knowledge_collections (id, team_id, organization_id, name, created_at)
                VALUES (?, ?, ?, ?, ?)
                """,
                [id.rawValue, scope.teamID.rawValue, scope.organizationID.rawValue, name, now])
            guard let created = try Self.collection(named: name, scope, db) else {
                throw StoreError.corruptRow(table: "knowledge_collections", problem: "collection \(id) vanished while created")
            }
            return created
        }
    }

    /// The team's collections by name.
    public func collections(in scope: TenantScope) async throws -> [KnowledgeCollection] {
        try await backend.read(in: scope) { db in
            try db.fetchAll(
                Self.collectionSelect + " WHERE c.team_id = ? AND c.organization_id = ? ORDER BY lower(c.name), c.name",
                [scope.teamID.rawValue, scope.organizationID.rawValue]
            ).map { try $0.knowledgeCollection() }
        }
    }

    /// The ids and names of the team's collections (without counting their contents).
    public func collectionNames(in scope: TenantScope) async throws -> [(id: CollectionID, name: String)] {
        try await backend.read(in: scope) { db in
            try db.fetchAll(
                """
                SELECT id, name FROM knowledge_collections WHERE team_id = ? AND organization_id = ?
                ORDER BY lower(name), name
                """,
                [scope.teamID.rawValue, scope.organizationID.rawValue]
            ).map { row in
                (id: CollectionID(rawValue: try row.decode(String.self, forColumn: "id")),
                 name: try row.decode(String.self, forColumn: "name"))
            }
        }
    }

    /// The team's collection called `name`, or nil (also when another team has one so named).
    public func collection(named name: String, in scope: TenantScope) async throws -> KnowledgeCollection? {
        try await backend.read(in: scope) { db in try Self.collection(named: name, scope, db) }
    }

    /// Deletes a collection with every document, chunk, vector and full-text row in it.
    /// - Throws: ``StoreError/notFound(kind:address:)``.
    @discardableResult
    public func deleteCollection(named name: String, in scope: TenantScope, onCommit: @escaping CommitHandler = { _ in })
        async throws -> KnowledgeCollection
    {
        try await backend.write(in: scope) { db in
            guard let collection = try Self.collection(named: name, scope, db) else {
                throw StoreError.notFound(kind: "collection", address: name)
            }
            let fullText = db.dialect.fullTextIndex(team: scope.teamID)
            let documents = try db.fetchAll(
                "SELECT id FROM knowledge_documents WHERE collection_id = ? AND team_id = ? ORDER BY id",
                [collection.id.rawValue, scope.teamID.rawValue]
            ).map { DocumentID(rawValue: try $0.decode(String.self, forColumn: "id")) }
            var removed: [Int64] = []
            for document in documents {
                removed += try Self.removeDocument(document, fullText: fullText, scope, db)
            }
            try db.execute(
                "DELETE FROM knowledge_collections WHERE id = ? AND team_id = ?",
                [collection.id.rawValue, scope.teamID.rawValue])
            let version = try documents.isEmpty ? nil : Self.bumpVersion(scope, db)
            let change = KnowledgeChange(removed: removed, added: [], version: version)
            db.afterCommit { onCommit(change) }
            return collection
        }
    }

    static let collectionSelect = """
        SELECT c.id, c.name, c.created_at,
            (SELECT COUNT(*) FROM knowledge_documents d WHERE d.team_id = c.team_id AND d.collection_id = c.id)
                AS document_count,
            (SELECT COUNT(*) FROM knowledge_chunks k WHERE k.team_id = c.team_id AND k.collection_id = c.id) AS chunk_count
        FROM knowledge_collections c
        """

    /// Names compare ignoring ASCII case, as the unique index has them (``Swift/String/asciiFolded``).
    static func collection(named name: String, _ scope: TenantScope, _ db: any SQLConnection) throws
        -> KnowledgeCollection?
    {
        try db.fetchOne(
            collectionSelect + " WHERE c.team_id = ? AND c.organization_id = ? AND lower(c.name) = ?",
            [scope.teamID.rawValue, scope.organizationID.rawValue, name.asciiFolded]
        )?.knowledgeCollection()
    }

    /// Forgets a document's full-text rows, deletes its chunks and itself; returns the chunk ids.
    static func removeDocument(
        _ id: DocumentID, fullText: any FullTextIndex, _ scope: TenantScope, _ db: any SQLConnection
    ) throws -> [Int64] {
        let chunks = try db.fetchAll(
            "SELECT id FROM knowledge_chunks WHERE document_id = ? AND team_id = ? ORDER BY id",
            [id.rawValue, scope.teamID.rawValue]
        ).map { try $0.decode(Int64.self, forColumn: "id") }
        try fullText.forget(document: id, db)
        let arguments: SQLArguments = [id.rawValue, scope.teamID.rawValue]
        try db.execute("DELETE FROM knowledge_chunks WHERE document_id = ? AND team_id = ?", arguments)
        try db.execute("DELETE FROM knowledge_documents WHERE id = ? AND team_id = ?", arguments)
        return chunks
    }
}

extension SQLRow {
    func knowledgeCollection() throws -> KnowledgeCollection {
        try KnowledgeCollection(
            id: CollectionID(rawValue: decode(String.self, forColumn: "id")),
            name: decode(String.self, forColumn: "name"),
            createdAt: decode(Date.self, forColumn: "created_at"),
            documentCount: decode(Int.self, forColumn: "document_count"),
            chunkCount: decode(Int.self, forColumn: "chunk_count"))
    }

    func knowledgeDocument() throws -> KnowledgeDocument {
        try KnowledgeDocument(
            id: DocumentID(rawValue: decode(String.self, forColumn: "id")),
            collectionID: CollectionID(rawValue: decode(String.self, forColumn: "collection_id")),
            name: decode(String.self, forColumn: "name"),
            format: decode(String.self, forColumn: "format"),
            contentHash: decode(String.self, forColumn: "content_hash"),
            byteCount: decode(Int.self, forColumn: "byte_count"),
            embeddingModel: decode(String.self, forColumn: "embedding_model"),
            chunkCount: decode(Int.self, forColumn: "chunk_count"),
            createdAt: decode(Date.self, forColumn: "created_at"))
    }
}
