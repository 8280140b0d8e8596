import Foundation
import Tenancy

/// The FTS5 table holding one team's chunk text on SQLite: an external-content table over
/// the view `knowledge_chunk_fields` (``KnowledgeSchema/addTitleField(_:)``), columns `text`,
/// `heading_path` and `title` (the document's name, so a match in a title counts).
///
/// One table per team keeps BM25 statistics per team: how often a word occurs in another
/// team's documents never moves this team's scores, so a score cannot leak that word.
struct FullTextTable: FullTextIndex {
    let team: TeamID
    let name: String

    init(team: TeamID) {
        self.team = team
        let id = team.rawValue
        let safe = !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        name = "knowledge_fts_" + (safe ? id : ContentHash.of(Data(id.utf8)))
    }

    /// The quoted identifier for SQL text.
    var quoted: String { "\"\(name)\"" }

    func createIfMissing(_ db: any SQLConnection) throws {
        try db.execute(
            """
            CREATE VIRTUAL TABLE IF NOT EXISTS \(quoted) USING fts5(
                text, heading_path, title, content='knowledge_chunk_fields', content_rowid='id',
                tokenize='\(FullTextTokenizer.definition)')
            """)
    }

    func exists(_ db: any SQLConnection) throws -> Bool {
        try db.exists("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)", [name])
    }

    /// How much a matching word weighs in each column, for FTS5's `bm25()`: a word in the
    /// document's name or a heading says more about what the chunk is about than one in the
    /// body. Chosen by `scripts/sweep-retrieval` (README "Retrieval quality and ingestion
    /// speed"): a name weight of 8 lifted BM25's nDCG@10 from 0.834 (weight 2) to 0.869 on
    /// debian-info and from 0.928 to 0.951 on python3-doc; the heading weight (2 or 4) changed
    /// nothing.
    static let weights = (text: 1.0, headingPath: 2.0, title: 8.0)

    /// `bm25(table, 1.0, 2.0, 8.0)`: lower is better.
    var scoreExpression: String {
        let weights = Self.weights
        return "bm25(\(quoted), \(weights.text), \(weights.headingPath), \(weights.title))"
    }

    /// Indexes the chunks of one document (after they were inserted), creating the team's
    /// table with its first document.
    func index(document: DocumentID, _ db: any SQLConnection) throws {
        try createIfMissing(db)
        try db.execute(
            """
            INSERT INTO \(quoted) (rowid, text, heading_path, title)
            SELECT id, text, heading_path, title FROM knowledge_chunk_fields WHERE document_id = ?
            """,
            [document.rawValue])
    }

    /// Indexes every chunk of the team (for a table made anew by a migration).
    func indexAll(team: String, _ db: any SQLConnection) throws {
        try db.execute(
            """
            INSERT INTO \(quoted) (rowid, text, heading_path, title)
            SELECT id, text, heading_path, title FROM knowledge_chunk_fields WHERE team_id = ?
            """,
            [team])
    }

    /// Removes the chunks of one document from the index (before they are deleted: an
    /// external-content table needs the old values to forget them).
    func forget(document: DocumentID, _ db: any SQLConnection) throws {
        guard try exists(db) else { return }
        try db.execute(
            """
            INSERT INTO \(quoted) (\(quoted), rowid, text, heading_path, title)
            SELECT 'delete', id, text, heading_path, title FROM knowledge_chunk_fields WHERE document_id = ?
            """,
            [document.rawValue])
    }

    func search(_ query: FullTextQuery, collections: [CollectionID]?, limit: Int, _ db: any SQLConnection) throws
        -> [(chunkID: Int64, score: Double)]
    {
        guard try exists(db) else { return [] }
        let sql: String
        var arguments: SQLArguments = [query.expression]
        if let collections {
            // The join confirms each match's team and collection in the chunk rows.
            sql = """
                SELECT f.rowid AS id, \(scoreExpression) AS score FROM \(quoted) f
                JOIN knowledge_chunks c ON c.id = f.rowid
                WHERE \(quoted) MATCH ? AND c.team_id = ?
                    AND c.collection_id IN (\(String.placeholders(collections.count)))
                ORDER BY score, id LIMIT ?
                """
            arguments += [team.rawValue]
            arguments += SQLArguments(collections.map { .text($0.rawValue) })
        } else {
            // The table is the team's own: every row in it is the team's.
            sql = """
                SELECT rowid AS id, \(scoreExpression) AS score FROM \(quoted)
                WHERE \(quoted) MATCH ? ORDER BY score, id LIMIT ?
                """
        }
        arguments += [limit]
        return try db.fetchAll(sql, arguments).map { row in
            // bm25() is lower for better matches.
            (chunkID: try row.decode(Int64.self, forColumn: "id"),
             score: -(try row.decode(Double.self, forColumn: "score")))
        }
    }
}
