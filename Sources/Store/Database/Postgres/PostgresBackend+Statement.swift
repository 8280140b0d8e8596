import NIOPosix
import PostgresNIO

extension PostgresBackend {
    /// Runs one statement on its own — its own transaction, one round trip — on a pooled
    /// connection: for the shared limit counters, whose every check-and-take is one call of a
    /// function in the database (``PostgresSchema`` `pg16-shared-limits`) that names the team or
    /// the administrative access its statements run under. ``transaction(writing:scope:_:)``
    /// spends three more round trips (start, setting, commit) and, for a write, the writers'
    /// lock, which a counter that only its own rows guard does not need.
    func statement(_ sql: String, _ arguments: SQLArguments = []) async throws -> [SQLRow] {
        do {
            return try await threads.runIfActive { [self] in
                do {
                    let connection = try checkOut()
                    let session = PostgresSession(connection: connection, logger: logger, commitActions: CommitActions())
                    do {
                        let rows = try session.fetchAll(sql, arguments)
                        checkIn(connection)
                        return rows
                    } catch {
                        // Autocommit: a failed statement left no transaction open.
                        if Self.isDead(connection, after: error) { discard(connection) } else { checkIn(connection) }
                        throw error
                    }
                } catch let error as PSQLError where Self.isConnectionFailure(error) {
                    throw StoreError.unavailable("the connection to PostgreSQL failed")
                }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw StoreError.unavailable("the store is closed")
        }
    }

    /// A connection of this backend's own, outside the pool, for a session-scoped lock that
    /// must last as long as this process does (``ReplicaLock``). Blocks the calling thread.
    func dedicatedConnection() throws -> PostgresConnection {
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger
            ).wait()
        } catch {
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(location.displayAddress)")
        }
    }
}
