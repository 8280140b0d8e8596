import Foundation
import GRDB
import Tenancy

/// The embedded backend: one SQLite file in WAL mode with foreign keys on. SQLite has no
/// row-level security: for it the repositories' own team conditions *are* the isolation.
///
/// A failure that is the disk's or the file's, not Atrium's (full, read-only, I/O error, locked
/// past the busy timeout), leaves as ``StoreError/unavailable(_:)`` naming the file and the
/// cause (see ``StoreError/sqlite(_:operation:path:)``), as a PostgreSQL connection failure does.
struct SQLiteBackend: StoreBackend {
    let pool: DatabasePool
    /// The database file, named in the failures it reports.
    let path: String
    /// Held by the one process that serves this file (`atrium serve`), nil for every other.
    let servingLock: ServingLock?

    var dialect: SQLDialect { .sqlite }

    /// Opens (creating if needed) the database at `path` and migrates it.
    /// - Parameter exclusive: take the ``ServingLock`` first, refusing (``StoreInUse``) while
    ///   another process holds it.
    init(path: String, exclusive: Bool = false) throws {
        self.path = path
        servingLock = exclusive ? try ServingLock(database: path) : nil
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "atrium"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try SchemaMigrations.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw Self.failure(error, "open", path)
        }
    }

    func read<T: Sendable>(
        in scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        do {
            return try await pool.read { db in try body(GRDBConnection(db: db)) }
        } catch let error as DatabaseError {
            throw Self.failure(error, "read", path)
        }
    }

    func write<T: Sendable>(
        in scope: TenantScope?, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        do {
            return try await pool.write { db in try body(GRDBConnection(db: db)) }
        } catch let error as DatabaseError {
            throw Self.failure(error, "write", path)
        }
    }

    func writeBlocking<T>(in scope: TenantScope?, _ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(GRDBConnection(db: db)) }
        } catch let error as DatabaseError {
            throw Self.failure(error, "write", path)
        }
    }

    /// `error` as the store reports it: unavailable when the cause lies outside Atrium, else as it was.
    private static func failure(_ error: DatabaseError, _ operation: String, _ path: String) -> any Error {
        if let unavailable = StoreError.sqlite(error, operation: operation, path: path) { return unavailable }
        return error
    }

    func sqlitePool(for feature: String) throws -> DatabasePool { pool }

    func isReachable() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// One process writes an embedded database: nothing to learn from it.
    func directoryVersion() async throws -> Int64? { nil }
}

/// A GRDB database inside one of its transactions, as an ``SQLConnection``. Statements are
/// cached per connection: the same few run on every request.
struct GRDBConnection: SQLConnection {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    func fetchAll(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        return try Row.fetchAll(statement, arguments: Self.arguments(arguments)).map { row in
            SQLRow(columns: columns, values: row.databaseValues.map(Self.value))
        }
    }

    /// GRDB runs it on the writer right after the commit, before the next write begins.
    func afterCommit(_ action: @escaping @Sendable () -> Void) {
        db.afterNextTransaction(onCommit: { _ in action() })
    }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.values.map { value -> DatabaseValue in
            switch value {
            case .null: .null
            case let .integer(integer): integer.databaseValue
            case let .real(real): real.databaseValue
            case let .text(text): ExactText.value(text)
            case let .blob(data): data.databaseValue
            case let .bool(bool): bool.databaseValue
            case let .date(date): date.databaseValue
            }
        })
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case let .int64(integer): .integer(integer)
        case let .double(real): .real(real)
        case let .string(text): .text(text)
        case let .blob(data): .blob(data)
        }
    }
}
