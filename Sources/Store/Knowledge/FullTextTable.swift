import Foundation
import GRDB
import Tenancy

/// The FTS5 table holding one team's chunk text (an external-content table over
/// `knowledge_chunks`, columns `text` and `heading_path`).
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
                    text, heading_path, content='knowledge_chunks', content_rowid='id',
                    tokenize='unicode61 remove_diacritics 2')
                """)
    }

    func exists(_ db: Database) throws -> Bool {
        try db.tableExists(name)
    }

    /// Indexes the chunks of one document (after they were inserted).
    func index(document: DocumentID, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO \(quoted) (rowid, text, heading_path) SELECT id, text, heading_path FROM knowledge_chunks WHERE document_id = ?",
            arguments: [document.rawValue])
    }

    /// Removes the chunks of one document from the index (before they are deleted: an
    /// external-content table needs the old values to forget them).
    func forget(document: DocumentID, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(quoted) (\(quoted), rowid, text, heading_path)
                SELECT 'delete', id, text, heading_path FROM knowledge_chunks WHERE document_id = ?
                """,
            arguments: [document.rawValue])
    }
}
