import Foundation
import Tenancy

extension KnowledgeRepository {
    /// Vectors read per statement while loading: bounded memory however large the team's knowledge.
    static let vectorPage = 2000

    /// Every chunk vector of the team that `model` made, per collection (vectors of other
    /// models belong to documents waiting to be re-ingested and are left out), read from one
    /// snapshot in pages of ``vectorPage`` chunks.
    /// - Throws: ``StoreError/corruptRow(table:problem:)`` for a vector of the wrong length.
    public func vectors(in scope: TenantScope, model: String, dimensions: Int) async throws -> [CollectionID: VectorRows] {
        try await backend.read(in: scope) { db in try Self.vectors(scope, model: model, dimensions: dimensions, db) }
    }

    /// ``vectors(in:model:dimensions:)`` and the ``version(in:)`` they are, from one snapshot: an
    /// index loaded from them knows which later changes it still lacks.
    public func vectorsWithVersion(in scope: TenantScope, model: String, dimensions: Int) async throws
        -> (collections: [CollectionID: VectorRows], version: Int)
    {
        try await backend.read(in: scope) { db in
            let collections = try Self.vectors(scope, model: model, dimensions: dimensions, db)
            return (collections, try Self.version(scope, db))
        }
    }

    private static func vectors(_ scope: TenantScope, model: String, dimensions: Int, _ db: any SQLConnection) throws
        -> [CollectionID: VectorRows]
    {
        var collections: [CollectionID: VectorRows] = [:]
        var after = Int64.min
        while true {
            let rows = try db.fetchAll(
                """
                SELECT c.id, c.collection_id, c.embedding FROM knowledge_chunks c
                JOIN knowledge_documents d ON d.id = c.document_id
                WHERE c.team_id = ? AND d.team_id = ? AND d.embedding_model = ? AND c.id > ?
                ORDER BY c.id LIMIT ?
                """,
                [scope.teamID.rawValue, scope.teamID.rawValue, model, after, Self.vectorPage])
            for row in rows {
                let collection = CollectionID(rawValue: try row.decode(String.self, forColumn: "collection_id"))
                let chunkID = try row.decode(Int64.self, forColumn: "id")
                let blob = try row.decode(Data.self, forColumn: "embedding")
                guard blob.count == dimensions * 4 else {
                    throw StoreError.corruptRow(
                        table: "knowledge_chunks",
                        problem: "chunk \(chunkID) has \(blob.count / 4) dimensions, not \(dimensions)")
                }
                collections[collection, default: VectorRows(dimensions: dimensions)].append(chunkID, blob: blob)
                after = chunkID
            }
            if rows.count < Self.vectorPage { return collections }
        }
    }

    /// The team's chunks matching `query` best by BM25 within `collections` (nil: all of the
    /// team's, which needs no look-up of each match's collection), best first, with positive
    /// scores (higher is better); the same ranking on both backends (``FullTextIndex``).
    public func fullTextSearch(_ query: FullTextQuery, collections: [CollectionID]?, limit: Int, in scope: TenantScope)
        async throws -> [(chunkID: Int64, score: Double)]
    {
        guard collections?.isEmpty != true, limit > 0 else { return [] }
        return try await backend.read(in: scope) { db in
            try db.dialect.fullTextIndex(team: scope.teamID).search(query, collections: collections, limit: limit, db)
        }
    }

    /// The document of each of these chunks that the team has (ids of other teams' chunks, or
    /// of chunks deleted meanwhile, are not in the answer): what grouping a ranking by document
    /// needs, without reading any text.
    public func documentIDs(ofChunks ids: [Int64], in scope: TenantScope) async throws -> [Int64: DocumentID] {
        guard !ids.isEmpty else { return [:] }
        var arguments: SQLArguments = [scope.teamID.rawValue]
        arguments += SQLArguments(ids.map { .integer($0) })
        let statementArguments = arguments
        return try await backend.read(in: scope) { db in
            var documents: [Int64: DocumentID] = [:]
            let rows = try db.fetchAll(
                """
                SELECT id, document_id FROM knowledge_chunks
                WHERE team_id = ? AND id IN (\(String.placeholders(ids.count)))
                """,
                statementArguments)
            for row in rows {
                documents[try row.decode(Int64.self, forColumn: "id")] =
                    DocumentID(rawValue: try row.decode(String.self, forColumn: "document_id"))
            }
            return documents
        }
    }

    /// The team's chunks with these ids, with their document and collection names, in the
    /// order of `ids` (ids the team does not have are left out).
    public func chunks(_ ids: [Int64], in scope: TenantScope) async throws -> [StoredChunk] {
        guard !ids.isEmpty else { return [] }
        let sql = """
            SELECT c.id, c.document_id, d.name AS document_name, k.name AS collection_name, c.chunk_index,
                c.heading_path, c.text
            FROM knowledge_chunks c
            JOIN knowledge_documents d ON d.id = c.document_id
            JOIN knowledge_collections k ON k.id = c.collection_id
            WHERE c.team_id = ? AND d.team_id = ? AND k.team_id = ? AND k.organization_id = ?
                AND c.id IN (\(String.placeholders(ids.count)))
            """
        var arguments: SQLArguments = [
            scope.teamID.rawValue, scope.teamID.rawValue, scope.teamID.rawValue, scope.organizationID.rawValue,
        ]
        arguments += SQLArguments(ids.map { .integer($0) })
        let statementArguments = arguments
        let found = try await backend.read(in: scope) { db in
            try db.fetchAll(sql, statementArguments).map { row in
                try StoredChunk(
                    id: row.decode(Int64.self, forColumn: "id"),
                    documentID: DocumentID(rawValue: row.decode(String.self, forColumn: "document_id")),
                    documentName: row.decode(String.self, forColumn: "document_name"),
                    collectionName: row.decode(String.self, forColumn: "collection_name"),
                    index: row.decode(Int.self, forColumn: "chunk_index"),
                    headingPath: HeadingPath.decode(row.decode(String.self, forColumn: "heading_path")),
                    text: row.decode(String.self, forColumn: "text"))
            }
        }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }
}

extension VectorRows {
    /// Appends one chunk's little-endian Float32 blob (`dimensions` floats: checked by the caller).
    mutating func append(_ chunkID: Int64, blob: Data) {
        chunkIDs.append(chunkID)
        let start = values.count
        let byteCount = dimensions * MemoryLayout<Float>.size
        values.append(contentsOf: repeatElement(0, count: dimensions))
        blob.withUnsafeBytes { source in
            values.withUnsafeMutableBytes { destination in
                precondition(source.count == byteCount && destination.count == (start + dimensions) * 4)
                // The stored bytes are the in-memory floats of a little-endian machine: one copy.
                (destination.baseAddress! + start * 4).copyMemory(from: source.baseAddress!, byteCount: byteCount)
            }
        }
        #if _endian(big)
        for index in start..<values.count {
            values[index] = Float(bitPattern: UInt32(littleEndian: values[index].bitPattern))
        }
        #endif
    }
}
