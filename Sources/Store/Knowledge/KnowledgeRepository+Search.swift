import Foundation
import GRDB
import Tenancy

extension KnowledgeRepository {
    /// Every chunk vector of the team that `model` made, per collection (vectors of other
    /// models belong to documents waiting to be re-ingested and are left out).
    /// - Throws: ``StoreError/corruptRow(table:problem:)`` for a vector of the wrong length.
    public func vectors(in scope: TenantScope, model: String, dimensions: Int) async throws -> [CollectionID: VectorRows] {
        try await pool.read { db in
            var collections: [CollectionID: VectorRows] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.id, c.collection_id, c.embedding FROM knowledge_chunks c
                    JOIN knowledge_documents d ON d.id = c.document_id
                    WHERE c.team_id = ? AND d.team_id = ? AND d.embedding_model = ?
                    """,
                arguments: [scope.teamID.rawValue, scope.teamID.rawValue, model])
            while let row = try rows.next() {
                let collection = CollectionID(rawValue: try row.decode(String.self, forColumn: "collection_id"))
                let chunkID = try row.decode(Int64.self, forColumn: "id")
                let blob = try row.decode(Data.self, forColumn: "embedding")
                guard blob.count == dimensions * 4 else {
                    throw StoreError.corruptRow(
                        table: "knowledge_chunks", problem: "chunk \(chunkID) has \(blob.count / 4) dimensions, not \(dimensions)")
                }
                collections[collection, default: VectorRows(dimensions: dimensions)].append(chunkID, blob: blob)
            }
            return collections
        }
    }

    /// The team's chunks matching `query` best by BM25 within `collections` (nil: all of the
    /// team's, which needs no look-up of each match's collection), best first, with positive
    /// scores (higher is better).
    public func fullTextSearch(_ query: FullTextQuery, collections: [CollectionID]?, limit: Int, in scope: TenantScope)
        async throws -> [(chunkID: Int64, score: Double)]
    {
        guard collections?.isEmpty != true, limit > 0 else { return [] }
        let table = FullTextTable(team: scope.teamID)
        let sql: String
        var arguments: StatementArguments = [query.expression]
        if let collections {
            // The join confirms each match's team and collection in the chunk rows.
            let placeholders = Array(repeating: "?", count: collections.count).joined(separator: ", ")
            sql = """
                SELECT f.rowid AS id, \(table.scoreExpression) AS score FROM \(table.quoted) f
                JOIN knowledge_chunks c ON c.id = f.rowid
                WHERE \(table.quoted) MATCH ? AND c.team_id = ? AND c.collection_id IN (\(placeholders))
                ORDER BY score LIMIT ?
                """
            arguments += [scope.teamID.rawValue]
            arguments += StatementArguments(collections.map(\.rawValue))
        } else {
            // The table is the team's own: every row in it is the team's.
            sql = """
                SELECT rowid AS id, \(table.scoreExpression) AS score FROM \(table.quoted)
                WHERE \(table.quoted) MATCH ? ORDER BY score LIMIT ?
                """
        }
        arguments += [limit]
        let statementArguments = arguments
        return try await pool.read { db in
            guard try table.exists(db) else { return [] }
            return try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                (chunkID: try row.decode(Int64.self, forColumn: "id"), score: -(try row.decode(Double.self, forColumn: "score")))
            }
        }
    }

    /// The document of each of these chunks that the team has (ids of other teams' chunks, or
    /// of chunks deleted meanwhile, are not in the answer): what grouping a ranking by document
    /// needs, without reading any text.
    public func documentIDs(ofChunks ids: [Int64], in scope: TenantScope) async throws -> [Int64: DocumentID] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        var arguments: StatementArguments = [scope.teamID.rawValue]
        arguments += StatementArguments(ids)
        let statementArguments = arguments
        return try await pool.read { db in
            var documents: [Int64: DocumentID] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, document_id FROM knowledge_chunks WHERE team_id = ? AND id IN (\(placeholders))",
                arguments: statementArguments)
            while let row = try rows.next() {
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
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let sql = """
            SELECT c.id, c.document_id, d.name AS document_name, k.name AS collection_name, c.chunk_index,
                c.heading_path, c.text
            FROM knowledge_chunks c
            JOIN knowledge_documents d ON d.id = c.document_id
            JOIN knowledge_collections k ON k.id = c.collection_id
            WHERE c.team_id = ? AND d.team_id = ? AND k.team_id = ? AND k.organization_id = ? AND c.id IN (\(placeholders))
            """
        var arguments: StatementArguments = [
            scope.teamID.rawValue, scope.teamID.rawValue, scope.teamID.rawValue, scope.organizationID.rawValue,
        ]
        arguments += StatementArguments(ids)
        let statementArguments = arguments
        let found = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
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
