import GRDB

/// FTS5's `unicode61 remove_diacritics 2` tokenizer, run by SQLite itself on an in-memory
/// database, for whatever must split text exactly as the SQLite full-text index does: the
/// words of a ``FullTextQuery`` and the postings ``FullTextPostings`` writes on PostgreSQL.
///
/// Borrowing SQLite's tokenizer (through an `fts5vocab` table over a scratch FTS5 table)
/// instead of re-implementing it means no copy of its Unicode category, case-folding and
/// diacritic tables to keep in step: both backends see the very same tokens, which BM25
/// scores that agree to the last bit depend on.
///
/// ```swift
/// FullTextTokenizer.shared.tokens(of: "Crème BRÛLÉE, 2×")   // ["creme", "brulee", "2"]
/// ```
final class FullTextTokenizer: Sendable {
    static let shared = FullTextTokenizer()

    /// The tokenizer of every FTS5 table and of this one.
    static let definition = "unicode61 remove_diacritics 2"

    /// What one row of text holds: per term its count in each column, and its length.
    struct Row: Sendable, Equatable {
        /// term → [text, heading path, title] counts.
        var counts: [String: [Int]] = [:]
        /// Every token of every column: FTS5's `xColumnSize(-1)`.
        var length = 0
    }

    /// nil if SQLite could not even open an in-memory database (then every call throws).
    private let queue: DatabaseQueue?

    private init() {
        queue = try? DatabaseQueue()
        try? queue?.write { db in
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE scratch USING fts5(text, heading_path, title, tokenize='\(Self.definition)');
                    CREATE VIRTUAL TABLE scratch_tokens USING fts5vocab(scratch, 'instance');
                    """)
        }
    }

    /// The tokens of `text` in order, as FTS5 indexes (and reads in a query) that text.
    func tokens(of text: String) throws -> [String] {
        try scratch([[text, "", ""]]) { db in
            try String.fetchAll(db, sql: "SELECT term FROM scratch_tokens ORDER BY offset")
        }
    }

    /// Per row of `[text, heading path, title]`, the term counts and length FTS5 keeps.
    func rows(_ fields: [[String]]) throws -> [Row] {
        try scratch(fields) { db in
            var rows = Array(repeating: Row(), count: fields.count)
            let cursor = try GRDB.Row.fetchCursor(
                db, sql: "SELECT doc, col, term, COUNT(*) AS n FROM scratch_tokens GROUP BY doc, col, term")
            while let row = try cursor.next() {
                let index = Int(row["doc"] as Int64) - 1
                let column = Self.columns.firstIndex(of: row["col"] as String) ?? 0
                let term: String = row["term"]
                let count: Int = row["n"]
                rows[index].counts[term, default: [0, 0, 0]][column] += count
                rows[index].length += count
            }
            return rows
        }
    }

    private static let columns = ["text", "heading_path", "title"]

    /// Inserts the rows (rowid 1, 2, …), reads what `read` wants, and rolls everything back.
    private func scratch<T>(_ fields: [[String]], _ read: (Database) throws -> T) throws -> T {
        guard let queue else { throw StoreError.unavailable("SQLite's full-text tokenizer could not start") }
        var result: T?
        try queue.inTransaction { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO scratch (rowid, text, heading_path, title) VALUES (?, ?, ?, ?)")
            for (offset, row) in fields.enumerated() {
                try insert.execute(arguments: [offset + 1, row[0], row[1], row[2]])
            }
            result = try read(db)
            return .rollback
        }
        guard let result else { throw StoreError.unavailable("SQLite's full-text tokenizer answered nothing") }
        return result
    }
}
