import Foundation
import GRDB
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import Tenancy

/// The shared backend: a PostgreSQL database several Atrium processes use at once.
///
/// A repository's transaction is a short synchronous script (``SQLConnection``); here it runs
/// on one of `poolSize` worker threads, each waiting on a connection of its own, so no Swift
/// concurrency thread ever blocks. Every transaction says whom it serves before its first
/// statement: a tenant transaction sets `atrium.team`, an administrative one sets
/// `atrium.access`; both are transaction-local (`set_config(…, true)`), and the row-level
/// security policies (``PostgresSchema``) show a transaction with neither nothing at all.
///
/// Writes take one transaction-scoped advisory lock, so they follow each other as SQLite's
/// do (a repository's check-then-insert stays correct under any interleaving, in this process
/// or another); reads run on a repeatable-read snapshot, as SQLite's WAL readers do.
final class PostgresBackend: StoreBackend, @unchecked Sendable {
    /// The advisory lock every write transaction holds (an arbitrary constant: "atrium").
    static let writerLock: Int64 = 0x6174_7269_756D

    let location: PostgresLocation
    let poolSize: Int
    let configuration: PostgresConnection.Configuration
    let threads: NIOThreadPool
    let logger: Logger
    /// Held from a write's COMMIT until its ``SQLConnection/afterCommit(_:)`` actions ran, so
    /// this process runs them in the order the writes committed (the writer lock orders those).
    private let commitOrder = NSLock()
    /// Guards `idle`, `closed` and `nextID`.
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var closed = false
    private var nextID = 0

    var dialect: SQLDialect { .postgres }

    /// Connects lazily: nothing is opened until the first transaction (or ``isReachable()``).
    init(location: PostgresLocation, poolSize: Int = 8, logger: Logger = Logger(label: "atrium.store.postgres")) {
        self.location = location
        self.poolSize = max(1, poolSize)
        self.logger = logger
        configuration = location.connectionConfiguration
        threads = NIOThreadPool(numberOfThreads: self.poolSize)
        threads.start()
    }

    deinit {
        lock.withLock {
            for connection in idle { connection.close().whenComplete { _ in } }
            idle = []
        }
        threads.shutdownGracefully { _ in }
    }

    func read<T: Sendable>(
        in scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        try await transaction(writing: false, scope: scope, body)
    }

    func write<T: Sendable>(
        in scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        try await transaction(writing: true, scope: scope, body)
    }

    func sqlitePool(for feature: String) throws -> DatabasePool {
        throw StoreError.notYetSupported(feature)
    }

    func isReachable() async -> Bool {
        (try? await read { connection in try connection.fetchValue(Int.self, "SELECT 1") }) == 1
    }

    /// `directory_version` (``PostgresSchema/directoryVersion``), read on every request: one
    /// statement in its own implicit transaction — one round trip where a transaction takes
    /// four — which row-level security lets through because the row is no tenant's.
    func directoryVersion() async throws -> Int64? {
        do {
            return try await threads.runIfActive { [self] in
                let connection = try checkOut()
                do {
                    let rows = try PostgresSession.answer(
                        connection.query(
                            PostgresQuery(unsafeSQL: "SELECT version FROM directory_version"), logger: logger),
                        within: PostgresSession.statementTimeout, closing: connection
                    ).rows
                    checkIn(connection)
                    guard let row = rows.first else {
                        throw StoreError.corruptRow(table: "directory_version", problem: "its one row is missing")
                    }
                    return try row.decode(Int64.self)
                } catch let error as PSQLError where Self.isConnectionFailure(error) {
                    discard(connection)
                    throw StoreError.unavailable("the connection to PostgreSQL failed")
                } catch {
                    if Self.isDead(connection, after: error) { discard(connection) } else { checkIn(connection) }
                    throw error
                }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw StoreError.unavailable("the store is closed")
        }
    }

    /// Closes every connection; later transactions fail as ``StoreError/unavailable(_:)``.
    func close() {
        let connections = lock.withLock {
            closed = true
            defer { idle = [] }
            return idle
        }
        for connection in connections { try? connection.close().wait() }
    }

    /// Runs `body` (and, for migrations, DDL) in one transaction on a worker thread.
    func transaction<T: Sendable>(
        writing: Bool, scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        do {
            return try await threads.runIfActive { [self] in try runTransaction(writing: writing, scope: scope, body) }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw StoreError.unavailable("the store is closed")
        }
    }

    func writeBlocking<T>(in scope: TenantScope?, _ body: (any SQLConnection) throws -> T) throws -> T {
        try runTransaction(writing: true, scope: scope, body)
    }

    /// One transaction on the calling thread, which it blocks.
    private func runTransaction<T>(
        writing: Bool, scope: TenantScope?, _ body: (any SQLConnection) throws -> T
    ) throws -> T {
        do {
            let connection = try checkOut()
            let session = PostgresSession(connection: connection, logger: logger, commitActions: CommitActions())
            do {
                if writing {
                    try session.execute("START TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    try session.execute("SELECT pg_advisory_xact_lock(\(Self.writerLock))")
                } else {
                    try session.execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                }
                if let scope {
                    try session.execute("SELECT set_config('atrium.team', ?, true)", [scope.team.id.rawValue])
                } else {
                    try session.execute("SELECT set_config('atrium.access', 'administration', true)")
                }
                let result = try body(session)
                let actions = session.commitActions.taken()
                if actions.isEmpty {
                    try session.execute("COMMIT")
                } else {
                    try commitOrder.withLock {
                        try session.execute("COMMIT")
                        for action in actions { action() }
                    }
                }
                checkIn(connection)
                return result
            } catch {
                // A connection that failed, or cannot even roll back, is dropped, never reused. No
                // ROLLBACK goes to a failed one: on a connection the server dropped (a restart),
                // its answer may never come.
                if Self.isDead(connection, after: error) {
                    discard(connection)
                } else if (try? session.execute("ROLLBACK")) != nil {
                    checkIn(connection)
                } else {
                    discard(connection)
                }
                throw error
            }
        } catch let error as PSQLError where Self.isConnectionFailure(error) {
            throw StoreError.unavailable("the connection to PostgreSQL failed")
        }
    }

    func checkOut() throws -> PostgresConnection {
        let (reusable, id): (PostgresConnection?, Int) = try lock.withLock {
            if closed { throw StoreError.unavailable("the store is closed") }
            nextID += 1
            return (idle.popLast(), nextID)
        }
        if let reusable, !reusable.isClosed { return reusable }
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger
            ).wait()
        } catch {
            // The error may name the host; never the password, which is not in it.
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(location.displayAddress)")
        }
    }

    func checkIn(_ connection: PostgresConnection) {
        let keep = lock.withLock {
            guard !closed, !connection.isClosed, idle.count < poolSize else { return false }
            idle.append(connection)
            return true
        }
        if !keep { discard(connection) }
    }

    func discard(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in }
    }

    /// Whether `error` means the connection is gone (or the server going away), so the request
    /// meets a store that is unavailable (503) rather than a failure of its own (500).
    static func isConnectionFailure(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown,
            .unexpectedBackendMessage:
            return true
        case .server:
            // SQLSTATE class 08, connection exception; 57P01–57P05: the server shutting down,
            // crashed, starting up, the database dropped, an idle session ended.
            guard let state = error.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || state.hasPrefix("57P")
        default:
            return false
        }
    }

    /// Whether `connection` must be dropped after `error` rather than rolled back and reused.
    static func isDead(_ connection: PostgresConnection, after error: any Error) -> Bool {
        if connection.isClosed { return true }
        if let error = error as? PSQLError { return isConnectionFailure(error) }
        if case .unavailable? = error as? StoreError { return true }  // a statement that never answered
        return false
    }
}

/// One PostgreSQL connection inside a transaction, as an ``SQLConnection``: `?` placeholders
/// become `$1…`, values bind in binary form, and rows come back as ``SQLValue``s.
struct PostgresSession: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    let commitActions: CommitActions

    var dialect: SQLDialect { .postgres }

    func afterCommit(_ action: @escaping @Sendable () -> Void) {
        commitActions.append(action)
    }

    /// How long one statement may take before its connection is given up for dead: on a
    /// connection the server dropped (a restart under load), a statement's answer can fail to
    /// come at all (postgres-nio 1.33), and the accounting writer must not wait for ever.
    static let statementTimeout = TimeAmount.seconds(60)
    /// The same for a migration's statements, which may rebuild a large table.
    static let migrationTimeout = TimeAmount.hours(1)

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try execute(sql, arguments, within: Self.statementTimeout)
    }

    private func execute(_ sql: String, _ arguments: SQLArguments, within timeout: TimeAmount) throws -> Int {
        try Self.answer(connection.query(Self.query(sql, arguments), logger: logger), within: timeout, closing: connection)
            .metadata.rows ?? 0
    }

    func fetchAll(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try Self.answer(
            connection.query(Self.query(sql, arguments), logger: logger), within: Self.statementTimeout,
            closing: connection
        ).rows.map(Self.row)
    }

    /// Runs a script of statements with no values, one after another (migrations):
    /// postgres-nio speaks only the extended protocol, which takes one statement at a time.
    func executeScript(_ sql: String) throws {
        for statement in PostgresPlaceholders.statements(of: sql) {
            _ = try execute(statement, [], within: Self.migrationTimeout)
        }
    }

    /// Waits for `future`, but no longer than `timeout`: past it `connection` is closed (its
    /// statement abandoned) and the store reads as unavailable.
    static func answer<T: Sendable>(
        _ future: EventLoopFuture<T>, within timeout: TimeAmount, closing connection: PostgresConnection
    ) throws -> T {
        try answer(future, within: timeout) { connection.close().whenComplete { _ in } }
    }

    /// Waits for `future`, but no longer than `timeout`: past it `onTimeout` runs and the store
    /// reads as unavailable.
    static func answer<T: Sendable>(
        _ future: EventLoopFuture<T>, within timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void
    ) throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        let first = FirstOutcome()
        let timer = future.eventLoop.scheduleTask(in: timeout) {
            guard first.take() else { return }
            onTimeout()
            promise.fail(
                StoreError.unavailable("PostgreSQL did not answer within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        future.whenComplete { result in
            timer.cancel()
            if first.take() { promise.completeWith(result) }
        }
        return try promise.futureResult.wait()
    }

    static func query(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: bindings.appendNull()
            case let .integer(integer): bindings.append(integer)
            case let .real(real): bindings.append(real)
            case let .text(text):
                // PostgreSQL text cannot hold NUL; SQLite keeps such text as bytes (ExactText).
                // Refused as bad input, never a server error.
                guard !text.utf8.contains(0) else {
                    throw StoreError.invalidValue(field: "text", problem: "contains a NUL character")
                }
                bindings.append(text)
            case let .blob(data): try bindings.append(data)
            case let .bool(bool): bindings.append(bool)
            // Milliseconds, as SQLite keeps them: the same instant reads back on both backends.
            case let .date(date):
                bindings.append(Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000))
            }
        }
        return PostgresQuery(unsafeSQL: PostgresPlaceholders.numbered(sql), binds: bindings)
    }

    static func row(_ row: PostgresRow) throws -> SQLRow {
        var columns: [String] = []
        var values: [SQLValue] = []
        for cell in row {
            columns.append(cell.columnName)
            values.append(try value(cell))
        }
        return SQLRow(columns: columns, values: values)
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .bytea: return .blob(try cell.decode(Data.self))
        case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
        case .numeric: return .text("\(try cell.decode(Decimal.self))")
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// Which of a statement's answer and its timeout came first (``PostgresSession/answer(_:within:closing:)``).
final class FirstOutcome: Sendable {
    private let taken = Mutex(false)

    /// True for the first caller only.
    func take() -> Bool {
        taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}

/// What a transaction's statements asked to run once it commits (one transaction, one thread).
final class CommitActions: @unchecked Sendable {
    private var actions: [@Sendable () -> Void] = []

    func append(_ action: @escaping @Sendable () -> Void) { actions.append(action) }

    func taken() -> [@Sendable () -> Void] {
        defer { actions = [] }
        return actions
    }
}
