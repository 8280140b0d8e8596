/// A store operation refused or failed, naming what was wrong.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No such record (`kind` is "organization", "team", "user", "key", …).
    case notFound(kind: String, address: String)
    /// The name is already used where it must be unique.
    case nameTaken(kind: String, name: String)
    /// A value was refused before it reached the database.
    case invalidValue(field: String, problem: String)
    /// A stored row could not be read back (the file was altered outside Atrium).
    case corruptRow(table: String, problem: String)
    /// The database could not be reached or refused to serve, for now (PostgreSQL down, pool
    /// closed; a SQLite file on a full disk or read-only): clients get 503 and may retry.
    case unavailable(String)
    /// What this backend cannot do yet (the repositories not ported to PostgreSQL).
    case notYetSupported(String)

    public var description: String {
        switch self {
        case let .notFound(kind, address): "\(kind) '\(address)' not found"
        case let .nameTaken(kind, name): "\(kind) name '\(name)' is already taken"
        case let .invalidValue(field, problem): "invalid \(field): \(problem)"
        case let .corruptRow(table, problem): "unreadable row in \(table): \(problem)"
        case let .unavailable(problem): "the database is unavailable: \(problem)"
        case let .notYetSupported(feature): "not yet supported on PostgreSQL: \(feature)"
        }
    }
}
