import Foundation
import GRDB
import Tenancy

/// The FTS5 table holding one team's chunk text: an external-content table over the view
/// `knowledge_chunk_fields` (``KnowledgeSchema/addTitleField(_:)``), columns `text`,
/// `heading_path` and `title` (the document's name, so a match in a title counts).
///
/// One table per team keeps BM25 statistics per team: how often a word occurs in another
/// team's documents never moves this team's scores, so a score cannot leak that word.
struct FullTextTable {
    let name: String

    init(team: TeamID) {
        let id = team.rawValue
        let safe = !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        name = "knowledge_fts_" + (safe ? id : ContentHash.of(Data(id.utf8)))
    }

    /// The quoted identifier for SQL text.
    var quoted: String { "\"\(name)\"" }

    func createIfMissing(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE IF NOT EXISTS \(quoted) USING fts5(
                    text, heading_path, title, content='knowledge_chunk_fields', content_rowid='id',
                    tokenize='unicode61 remove_diacritics 2')
                """)
    }

    func exists(_ db: Database) throws -> Bool {
        try db.tableExists(name)
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

    /// Indexes the chunks of one document (after they were inserted).
    func index(document: DocumentID, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(quoted) (rowid, text, heading_path, title)
                SELECT id, text, heading_path, title FROM knowledge_chunk_fields WHERE document_id = ?
                """,
            arguments: [document.rawValue])
    }

    /// Indexes every chunk of the team (for a table made anew by a migration).
    func indexAll(team: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(quoted) (rowid, text, heading_path, title)
                SELECT id, text, heading_path, title FROM knowledge_chunk_fields WHERE team_id = ?
                """,
            arguments: [team])
    }

    /// Removes the chunks of one document from the index (before they are deleted: an
    /// external-content table needs the old values to forget them).
    func forget(document: DocumentID, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(quoted) (\(quoted), rowid, text, heading_path, title)
                SELECT 'delete', id, text, heading_path, title FROM knowledge_chunk_fields WHERE document_id = ?
                """,
            arguments: [document.rawValue])
    }
}
