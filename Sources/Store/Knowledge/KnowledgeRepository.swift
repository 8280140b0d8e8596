import Foundation
import GRDB
import Tenancy

/// A team's knowledge: collections, documents, their chunks, vectors and full-text rows.
///
/// Every method takes the ``TenantScope`` of the request and puts its team into every
/// statement: another team's collection is simply not found. Writes are single transactions —
/// a document and all its chunks, vectors and full-text rows appear together or not at all,
/// and disappear together. Writers that keep an in-memory index pass `onCommit`: it runs on
/// the database's writer right after the commit and before the next write, so index updates
/// follow the order of commits.
///
/// ```swift
/// try await store.knowledge.createCollection(named: "handbook", in: scope)
/// let write = try await store.knowledge.store(draft, in: "handbook", scope: scope) { change in index.apply(change) }
/// ```
public struct KnowledgeRepository: Sendable {
    let backend: any StoreBackend
    /// SQLite only until this repository is ported to ``StoreBackend``.
    var pool: DatabasePool { get throws { try backend.sqlitePool(for: "knowledge (documents, chunks, search)") } }

    /// Called after a write committed, with what it changed.
    public typealias CommitHandler = @Sendable (KnowledgeChange) -> Void

    /// Creates an empty collection (and, with the team's first, its full-text table).
    /// - Throws: ``StoreError/nameTaken(kind:name:)`` if the team has one by that name.
    @discardableResult
    public func createCollection(named name: String, in scope: TenantScope, now: Date = Date()) async throws
        -> KnowledgeCollection
    {
        let name = try DirectoryName.validated(name, kind: "collection")
        let id = CollectionID.random()
        return try await pool.write { db in
            if try Self.collection(named: name, scope, db) != nil {
                throw StoreError.nameTaken(kind: "collection", name: name)
            }
            try MembershipRepository.requireTeam(scope.team, GRDBConnection(db: db))
            try db.execute(
                sql: "INSERT INTO knowledge_collections (id, team_id, organization_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id.rawValue, scope.teamID.rawValue, scope.organizationID.rawValue, name, now])
            try FullTextTable(team: scope.teamID).createIfMissing(db)
            guard let created = try Self.collection(named: name, scope, db) else {
                throw StoreError.corruptRow(table: "knowledge_collections", problem: "collection \(id) vanished while created")
            }
            return created
        }
    }

    /// The team's collections by name.
    public func collections(in scope: TenantScope) async throws -> [KnowledgeCollection] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: Self.collectionSelect + " WHERE c.team_id = ? AND c.organization_id = ? ORDER BY c.name",
                arguments: [scope.teamID.rawValue, scope.organizationID.rawValue]
            ).map { try $0.knowledgeCollection() }
        }
    }

    /// The ids and names of the team's collections (without counting their contents).
    public func collectionNames(in scope: TenantScope) async throws -> [(id: CollectionID, name: String)] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name FROM knowledge_collections WHERE team_id = ? AND organization_id = ? ORDER BY name",
                arguments: [scope.teamID.rawValue, scope.organizationID.rawValue]
            ).map { row in
                (id: CollectionID(rawValue: try row.decode(String.self, forColumn: "id")),
                 name: try row.decode(String.self, forColumn: "name"))
            }
        }
    }

    /// The team's collection called `name`, or nil (also when another team has one so named).
    public func collection(named name: String, in scope: TenantScope) async throws -> KnowledgeCollection? {
        try await pool.read { db in try Self.collection(named: name, scope, db) }
    }

    /// Deletes a collection with every document, chunk, vector and full-text row in it.
    /// - Throws: ``StoreError/notFound(kind:address:)``.
    @discardableResult
    public func deleteCollection(named name: String, in scope: TenantScope, onCommit: @escaping CommitHandler = { _ in })
        async throws -> KnowledgeCollection
    {
        try await pool.write { db in
            guard let collection = try Self.collection(named: name, scope, db) else {
                throw StoreError.notFound(kind: "collection", address: name)
            }
            let table = FullTextTable(team: scope.teamID)
            let documents = try DocumentID.fetchAll(
                db, sql: "SELECT id FROM knowledge_documents WHERE collection_id = ? AND team_id = ?",
                arguments: [collection.id.rawValue, scope.teamID.rawValue])
            var removed: [Int64] = []
            for document in documents {
                removed += try Self.removeDocument(document, table: table, scope, db)
            }
            try db.execute(
                sql: "DELETE FROM knowledge_collections WHERE id = ? AND team_id = ?",
                arguments: [collection.id.rawValue, scope.teamID.rawValue])
            if !documents.isEmpty { try Self.bumpVersion(scope, db) }
            let change = KnowledgeChange(removed: removed, added: [])
            db.afterNextTransaction(onCommit: { _ in onCommit(change) })
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

    static func collection(named name: String, _ scope: TenantScope, _ db: Database) throws -> KnowledgeCollection? {
        try Row.fetchOne(
            db, sql: collectionSelect + " WHERE c.team_id = ? AND c.organization_id = ? AND c.name = ?",
            arguments: [scope.teamID.rawValue, scope.organizationID.rawValue, name]
        )?.knowledgeCollection()
    }

    /// Forgets a document's full-text rows, deletes its chunks and itself; returns the chunk ids.
    static func removeDocument(_ id: DocumentID, table: FullTextTable, _ scope: TenantScope, _ db: Database) throws -> [Int64] {
        let chunks = try Int64.fetchAll(
            db, sql: "SELECT id FROM knowledge_chunks WHERE document_id = ? AND team_id = ?",
            arguments: [id.rawValue, scope.teamID.rawValue])
        if try table.exists(db) { try table.forget(document: id, db) }
        try db.execute(
            sql: "DELETE FROM knowledge_chunks WHERE document_id = ? AND team_id = ?",
            arguments: [id.rawValue, scope.teamID.rawValue])
        try db.execute(
            sql: "DELETE FROM knowledge_documents WHERE id = ? AND team_id = ?", arguments: [id.rawValue, scope.teamID.rawValue])
        return chunks
    }
}

extension DocumentID: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> DocumentID? {
        String.fromDatabaseValue(dbValue).map(DocumentID.init(rawValue:))
    }
}

extension Row {
    func knowledgeCollection() throws -> KnowledgeCollection {
        try KnowledgeCollection(
            id: CollectionID(rawValue: decode(String.self, forColumn: "id")),
            name: decode(String.self, forColumn: "name"),
            createdAt: decode(forColumn: "created_at"),
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
            createdAt: decode(forColumn: "created_at"))
    }
}
