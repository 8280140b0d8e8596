import Foundation
import Tenancy

extension KnowledgeRepository {
    /// The documents of the team's collection, by name.
    /// - Throws: ``StoreError/notFound(kind:address:)`` for a collection the team does not have.
    public func documents(in collection: String, scope: TenantScope) async throws -> [KnowledgeDocument] {
        try await backend.read(in: scope) { db in
            let found = try Self.requireCollection(collection, scope, db)
            return try db.fetchAll(
                Self.documentSelect + " WHERE d.collection_id = ? AND d.team_id = ? ORDER BY d.name",
                [found.id.rawValue, scope.teamID.rawValue]
            ).map { try $0.knowledgeDocument() }
        }
    }

    /// The document stored under `name` in the team's collection, or nil.
    public func document(named name: String, in collection: String, scope: TenantScope) async throws -> KnowledgeDocument? {
        try await backend.read(in: scope) { db in
            let found = try Self.requireCollection(collection, scope, db)
            return try Self.document(named: name, in: found.id, scope, db)
        }
    }

    /// The chunks of one of the team's documents as stored — position, heading path, text and
    /// vector — in order, so that a new version of the document can keep the vectors of the
    /// chunks it did not change. Empty for a document the team does not have.
    /// - Throws: ``StoreError/corruptRow(table:problem:)`` for a vector that is not whole floats.
    public func chunkDrafts(of document: DocumentID, in scope: TenantScope) async throws -> [ChunkDraft] {
        try await backend.read(in: scope) { db in
            try db.fetchAll(
                """
                SELECT chunk_index, heading_path, text, embedding FROM knowledge_chunks
                WHERE document_id = ? AND team_id = ? ORDER BY chunk_index
                """,
                [document.rawValue, scope.teamID.rawValue]
            ).map { row in
                guard let embedding = EmbeddingBlob.decode(try row.decode(Data.self, forColumn: "embedding")) else {
                    throw StoreError.corruptRow(table: "knowledge_chunks", problem: "a vector is not a whole number of floats")
                }
                return try ChunkDraft(
                    index: row.decode(Int.self, forColumn: "chunk_index"),
                    text: row.decode(String.self, forColumn: "text"),
                    headingPath: HeadingPath.decode(row.decode(String.self, forColumn: "heading_path")),
                    embedding: embedding)
            }
        }
    }

    /// Stores a document in one transaction: unchanged if the same content (embedded by the
    /// same model) is already stored under its name; otherwise the document, its chunks, their
    /// vectors and full-text rows are written, replacing whatever was stored under the name. A
    /// failure anywhere leaves the collection exactly as it was.
    /// - Throws: ``StoreError`` (`notFound` for the collection, `invalidValue` for a bad draft).
    public func store(
        _ draft: DocumentDraft, in collection: String, scope: TenantScope, now: Date = Date(),
        onCommit: @escaping CommitHandler = { _ in }
    ) async throws -> DocumentWrite {
        try Self.validate(draft)
        return try await backend.write(in: scope) { db in
            let found = try Self.requireCollection(collection, scope, db)
            let id = DocumentID.derive(
                team: scope.teamID, collectionName: found.name, documentName: draft.name, contentHash: draft.contentHash)
            let existing = try Self.document(named: draft.name, in: found.id, scope, db)
            // The same bytes read as another format (a content type corrected) are a new version.
            if let existing, existing.id == id, existing.embeddingModel == draft.embeddingModel,
                existing.format == draft.format
            {
                return .unchanged(existing)
            }
            let fullText = db.dialect.fullTextIndex(team: scope.teamID)
            var removed: [Int64] = []
            if let existing { removed = try Self.removeDocument(existing.id, fullText: fullText, scope, db) }
            try db.execute(
                """
                INSERT INTO knowledge_documents
                    (id, collection_id, team_id, name, format, content_hash, byte_count, embedding_model, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    id.rawValue, found.id.rawValue, scope.teamID.rawValue, draft.name, draft.format, draft.contentHash,
                    draft.byteCount, draft.embeddingModel, now,
                ])
            let added = try Self.insertChunks(draft.chunks, document: id, collection: found.id, scope, db)
            try fullText.index(document: id, db)
            guard let stored = try Self.document(named: draft.name, in: found.id, scope, db) else {
                throw StoreError.corruptRow(table: "knowledge_documents", problem: "document \(id) vanished while stored")
            }
            let version = try Self.bumpVersion(scope, db)
            let change = KnowledgeChange(removed: removed, added: added, version: version)
            db.afterCommit { onCommit(change) }
            guard let existing else { return DocumentWrite.added(stored) }
            return DocumentWrite.replaced(stored, previous: existing.id)
        }
    }

    /// Deletes a document with its chunks, vectors and full-text rows, in one transaction.
    /// - Throws: ``StoreError/notFound(kind:address:)`` for a document or collection the team does not have.
    @discardableResult
    public func deleteDocument(
        _ id: DocumentID, in collection: String, scope: TenantScope, onCommit: @escaping CommitHandler = { _ in }
    ) async throws -> KnowledgeDocument {
        try await backend.write(in: scope) { db in
            let found = try Self.requireCollection(collection, scope, db)
            guard
                let document = try db.fetchOne(
                    Self.documentSelect + " WHERE d.id = ? AND d.collection_id = ? AND d.team_id = ?",
                    [id.rawValue, found.id.rawValue, scope.teamID.rawValue]
                )?.knowledgeDocument()
            else { throw StoreError.notFound(kind: "document", address: id.rawValue) }
            let removed = try Self.removeDocument(id, fullText: db.dialect.fullTextIndex(team: scope.teamID), scope, db)
            let version = try Self.bumpVersion(scope, db)
            let change = KnowledgeChange(removed: removed, added: [], version: version)
            db.afterCommit { onCommit(change) }
            return document
        }
    }

    static let documentSelect = """
        SELECT d.*, (SELECT COUNT(*) FROM knowledge_chunks k WHERE k.document_id = d.id) AS chunk_count
        FROM knowledge_documents d
        """

    static func requireCollection(_ name: String, _ scope: TenantScope, _ db: any SQLConnection) throws
        -> KnowledgeCollection
    {
        guard let found = try collection(named: name, scope, db) else {
            throw StoreError.notFound(kind: "collection", address: name)
        }
        return found
    }

    static func document(named name: String, in collection: CollectionID, _ scope: TenantScope, _ db: any SQLConnection)
        throws -> KnowledgeDocument?
    {
        try db.fetchOne(
            documentSelect + " WHERE d.collection_id = ? AND d.name = ? AND d.team_id = ?",
            [collection.rawValue, name, scope.teamID.rawValue]
        )?.knowledgeDocument()
    }

    /// Chunks per `INSERT` (7 values each: far below SQLite's 32,766 and PostgreSQL's 65,535
    /// parameters, and a few hundred kilobytes of vectors per statement).
    static let chunkBatch = 200

    /// Inserts the chunks, many rows per statement (on PostgreSQL each statement is a round
    /// trip); returns their new ids and vectors in the drafts' order.
    private static func insertChunks(
        _ chunks: [ChunkDraft], document: DocumentID, collection: CollectionID, _ scope: TenantScope,
        _ db: any SQLConnection
    ) throws -> [StoredVector] {
        var added: [StoredVector] = []
        added.reserveCapacity(chunks.count)
        var start = 0
        while start < chunks.count {
            let batch = chunks[start..<min(chunks.count, start + chunkBatch)]
            var arguments = SQLArguments()
            arguments.values.reserveCapacity(batch.count * 7)
            for chunk in batch {
                let headingPath = try HeadingPath.encode(chunk.headingPath)
                arguments += [
                    document.rawValue, collection.rawValue, scope.teamID.rawValue, chunk.index, headingPath, chunk.text,
                    EmbeddingBlob.encode(chunk.embedding),
                ]
            }
            // Both backends return the rows in VALUES order in practice, which no standard
            // promises: ids are matched by chunk index (unique in the document) instead.
            let rows = try db.fetchAll(
                """
                INSERT INTO knowledge_chunks
                    (document_id, collection_id, team_id, chunk_index, heading_path, text, embedding)
                VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", "))
                RETURNING id, chunk_index
                """,
                arguments)
            var ids: [Int: Int64] = [:]
            for row in rows {
                ids[try row.decode(Int.self, forColumn: "chunk_index")] = try row.decode(Int64.self, forColumn: "id")
            }
            for chunk in batch {
                guard let id = ids[chunk.index] else {
                    throw StoreError.corruptRow(table: "knowledge_chunks", problem: "an inserted chunk has no id")
                }
                added.append(StoredVector(chunkID: id, collectionID: collection, embedding: chunk.embedding))
            }
            start += batch.count
        }
        return added
    }

    /// Refuses drafts that cannot be right before touching the database.
    private static func validate(_ draft: DocumentDraft) throws {
        _ = try DocumentDraft.validatedName(draft.name)
        guard draft.contentHash.count == 64, draft.contentHash.allSatisfy(\.isHexDigit) else {
            throw StoreError.invalidValue(field: "content_hash", problem: "must be 64 hex digits")
        }
        guard !draft.chunks.isEmpty else {
            throw StoreError.invalidValue(field: "chunks", problem: "a document needs at least one chunk")
        }
        let dimensions = draft.chunks[0].embedding.count
        guard dimensions > 0, draft.chunks.allSatisfy({ $0.embedding.count == dimensions }) else {
            throw StoreError.invalidValue(field: "embedding", problem: "every chunk needs a vector of the same length")
        }
        guard draft.chunks.allSatisfy({ $0.embedding.allSatisfy(\.isFinite) }) else {
            throw StoreError.invalidValue(field: "embedding", problem: "vectors must be finite")
        }
        guard Set(draft.chunks.map(\.index)).count == draft.chunks.count, draft.chunks.allSatisfy({ $0.index >= 0 }) else {
            throw StoreError.invalidValue(field: "chunk_index", problem: "chunk positions must be distinct and not negative")
        }
    }
}

/// Heading paths as stored: a JSON array of strings.
enum HeadingPath {
    static func encode(_ path: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(path), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRow(table: "knowledge_chunks", problem: "heading path is not a JSON array of strings")
        }
    }
}
