/// A SQLite store that another process is serving already: it holds the store's
/// ``ServingLock``. Only one process serves a SQLite file; several servers share one store
/// through PostgreSQL.
public struct StoreInUse: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database file.
    public let database: String
    /// The lock file the other process holds.
    public let lockFile: String

    public var description: String {
        "\(database) is being served by another process (it holds \(lockFile))"
    }
}
