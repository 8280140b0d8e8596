import Foundation
import PostgresNIO

/// This process's liveness as the other replicas see it: a number of its own
/// (`limit_replica_locks`) and a session advisory lock on that number, held on a connection
/// of its own for as long as the process lives. PostgreSQL frees the lock when that
/// connection ends — the process exited, was killed (`kill -9`), or lost the database — and
/// the leases the replica left are then dead to every other replica (``PostgresSchema``
/// `pg16-shared-limits`). Exact, and nothing to heartbeat.
///
/// A lost connection is replaced on the next use, under a new number: the old number's
/// leases count as dead from then on, so after a database outage a replica's requests already
/// running no longer hold their slots (they still end normally).
final class ReplicaLock: @unchecked Sendable {
    private let backend: PostgresBackend
    /// Guards `held`, only ever for a moment (it is read on Swift concurrency threads).
    private let lock = NSLock()
    private var held: (connection: PostgresConnection, number: Int64)?
    /// One connect at a time, on a worker thread.
    private let connecting = NSLock()

    init(backend: PostgresBackend) {
        self.backend = backend
    }

    deinit {
        held?.connection.close().whenComplete { _ in }
    }

    /// The number this replica's leases carry, taking (or taking again) its lock first.
    func number() async throws -> Int64 {
        if let number = live() { return number }
        return try await backend.threads.runIfActive { [self] in try connecting.withLock { try take() } }
    }

    /// Gives up the lock and its connection: to PostgreSQL this replica is now dead (a test's
    /// stand-in for `kill -9`).
    func release() async {
        let connection = lock.withLock {
            defer { held = nil }
            return held?.connection
        }
        try? await connection?.close().get()
    }

    private func live() -> Int64? {
        lock.withLock { held.flatMap { $0.connection.isClosed ? nil : $0.number } }
    }

    /// Under `connecting`: the live lock's number, or a new connection, number and lock.
    private func take() throws -> Int64 {
        if let number = live() { return number }
        let connection = try backend.dedicatedConnection()
        do {
            let session = PostgresSession(connection: connection, logger: backend.logger, commitActions: CommitActions())
            guard let number = try session.fetchValue(Int64.self, "SELECT nextval('limit_replica_locks')") else {
                throw StoreError.unavailable("no replica number")
            }
            _ = try session.execute("SELECT pg_advisory_lock(?)", [number])
            let previous = lock.withLock {
                defer { held = (connection, number) }
                return held?.connection
            }
            previous?.close().whenComplete { _ in }
            return number
        } catch {
            connection.close().whenComplete { _ in }
            throw error
        }
    }
}
