import GRDB
import Tenancy

/// Where the store's rows live: SQLite (``SQLiteBackend``, the embedded default) or
/// PostgreSQL (``PostgresBackend``, shared by several replicas). Repositories run their
/// statements through this one seam and never learn which backend runs.
///
/// A transaction is either *tenant* (given a ``TenantScope``: PostgreSQL's row-level security
/// then shows it only that team's rows) or *administrative* (directory, keys, authentication,
/// grants: the repositories' own conditions decide what it touches).
protocol StoreBackend: Sendable {
    var dialect: SQLDialect { get }

    func read<T: Sendable>(
        in scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T

    func write<T: Sendable>(
        in scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T

    /// ``write(in:_:)`` on the calling thread, blocking it until the transaction ends: for a
    /// thread of its own (the gateway's accounting writer), never a Swift concurrency thread or
    /// an event loop.
    func writeBlocking<T>(in scope: TenantScope?, _ body: (any SQLConnection) throws -> T) throws -> T

    /// The SQLite pool, for the repositories not yet ported to this seam; PostgreSQL throws
    /// ``StoreError/notYetSupported(_:)`` naming `feature`.
    func sqlitePool(for feature: String) throws -> DatabasePool

    /// Whether the database answers (`/readyz`).
    func isReachable() async -> Bool

    /// The version of the directory as other processes may have changed it (bumped by every
    /// commit that changes keys, memberships, profiles or limits), or nil where no other
    /// process writes (SQLite: this process's own changes invalidate its caches directly).
    func directoryVersion() async throws -> Int64?
}

extension StoreBackend {
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await read(in: nil, body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await write(in: nil, body)
    }
}
