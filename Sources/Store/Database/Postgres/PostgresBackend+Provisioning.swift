import Logging
import NIOPosix
import PostgresNIO

extension PostgresBackend {
    /// Runs one statement on a connection of its own, outside any transaction (`CREATE
    /// DATABASE` and `DROP DATABASE` cannot run inside one) and with no `atrium.*` setting,
    /// blocking the calling thread — which must not be an event loop's. Rows come back in
    /// text form: select text and counts.
    @discardableResult
    static func runOutsideTransaction(_ sql: String, at location: PostgresLocation) throws -> [SQLRow] {
        let logger = Logger(label: "atrium.store.postgres")
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: location.connectionConfiguration,
            id: 0, logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        return try connection.simpleQuery(sql).wait().map(PostgresSession.row)
    }

    /// Drops `database` (closing its connections) on a worker thread, without waiting: for
    /// a `deinit`, which must not block a Swift concurrency thread on the server.
    static func dropInBackground(_ database: String, at server: PostgresLocation) {
        NIOThreadPool.singleton.submit { state in
            guard case .active = state else { return }
            _ = try? runOutsideTransaction("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", at: server)
        }
    }

    /// The same, from async code: on a worker thread, so no Swift concurrency thread blocks.
    @discardableResult
    static func runOutsideTransaction(_ sql: String, at location: PostgresLocation) async throws -> [SQLRow] {
        try await NIOThreadPool.singleton.runIfActive { try runOutsideTransaction(sql, at: location) }
    }
}
