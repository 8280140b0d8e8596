/// The SQL language a backend speaks, for the few statements that differ (migrations,
/// full-text search); everything else is written once, in the subset both understand:
/// `?` placeholders, `ON CONFLICT`, `RETURNING`, `lower(column) = ?` with an ASCII-folded
/// argument (``Swift/String/asciiFolded``) for case-insensitive names.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// Statements inside one transaction of a ``StoreBackend``. Synchronous on purpose: a
/// repository's transaction is a short script of statements, and each backend runs it on a
/// thread of its own (GRDB's writer and readers; PostgreSQL's worker threads), never on a
/// Swift concurrency thread.
protocol SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs a statement and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    func fetchAll(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]
    /// Runs `action` once this (write) transaction committed — never if it rolls back — and
    /// before any later write's actions, so in-memory state follows the order of commits.
    func afterCommit(_ action: @escaping @Sendable () -> Void)
}

extension SQLConnection {
    @discardableResult
    func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    func fetchAll(_ sql: String) throws -> [SQLRow] { try fetchAll(sql, []) }

    func fetchOne(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(sql, arguments).first
    }

    /// The first column of the first row as `T` (`nil` when there is no row or it is NULL).
    func fetchValue<T: SQLDecodable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> T? {
        guard let row = try fetchOne(sql, arguments) else { return nil }
        return try SQLRow.decode(row.first, as: T?.self, column: row.columns.first ?? "?")
    }

    /// Whether `SELECT EXISTS (…)` (or any one-value query) answers true.
    func exists(_ sql: String, _ arguments: SQLArguments = []) throws -> Bool {
        try fetchValue(Bool.self, sql, arguments) == true
    }
}

extension String {
    /// The name with ASCII letters lowercased and nothing else changed: what SQLite's
    /// `lower()` and `NOCASE` do, and PostgreSQL's `lower()` on a `COLLATE "C"` column. Names
    /// compare case-insensitively as `lower(name) = ?` with this as the argument.
    var asciiFolded: String {
        String(decoding: utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
