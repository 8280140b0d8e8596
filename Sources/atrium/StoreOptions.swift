import ArgumentParser
import Foundation
import Store

/// Where the store lives, for every command that opens it: the SQLite file in `ATRIUM_HOME`
/// (the default), another SQLite file, or a PostgreSQL database several replicas share.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: """
            The store: postgres://user[:password]@host[:port]/database for a PostgreSQL database several \
            replicas share, or a SQLite file path (default: $ATRIUM_HOME/atrium.sqlite). The PostgreSQL role \
            must be an ordinary one: row-level security does not hold superusers or BYPASSRLS roles.
            """)
    var database: String?

    @Option(name: .customLong("database-pool-size"), help: "PostgreSQL connections per process.")
    var poolSize: Int = 8

    func validate() throws {
        guard (1...256).contains(poolSize) else { throw ValidationError("--database-pool-size must be 1 to 256") }
    }

    /// Opens the store. PostgreSQL must answer, with a role row-level security holds, and be
    /// fully migrated — unless `migratePending`, which applies what is missing first. SQLite
    /// migrates itself on open.
    ///
    /// `serving` (`atrium serve` only) claims a SQLite store for this process alone and refuses
    /// to start while another server holds it: two servers on one file would each trust their
    /// own caches and limits. Replicas share a PostgreSQL store instead, which needs no claim.
    func open(
        home: URL, queryText: QueryTextPolicy = .full, migratePending: Bool, checkingPending: Bool = true,
        serving: Bool = false
    ) async throws -> AtriumStore {
        let location: PostgresLocation?
        do {
            location = try database.flatMap { try PostgresLocation(url: $0) }
        } catch let error as StoreError {
            throw ValidationError("--database: \(error.description)")
        }
        guard let location else {
            do {
                if let path = database { return try AtriumStore(path: path, queryText: queryText, exclusive: serving) }
                return try AtriumStore(home: home, queryText: queryText, exclusive: serving)
            } catch let error as StoreInUse {
                let store = database == nil ? "ATRIUM_HOME \(home.path)" : error.database
                throw ServeError(
                    "another atrium serve is running on \(store) (it holds \(error.lockFile)): a SQLite store "
                        + "serves one process. Several servers share one store through PostgreSQL: "
                        + "--database postgres://… (README: \"PostgreSQL store and several replicas\")")
            }
        }
        let store = AtriumStore(postgres: location, poolSize: poolSize, queryText: queryText)
        guard await store.isReachable() else {
            throw ValidationError("cannot reach PostgreSQL at \(location)")
        }
        try await store.requireRowLevelSecurity()
        let pending = checkingPending ? try await store.pendingMigrations() : []
        if !pending.isEmpty {
            guard migratePending else {
                throw ValidationError(
                    "\(location) has \(pending.count) pending migration(s) (\(pending.joined(separator: ", "))): "
                        + "run `atrium migrate --database …` first, or start with --migrate")
            }
            try await store.migrate()
        }
        return store
    }
}

/// `atrium migrate`: brings a database's schema up to this build's (for PostgreSQL, where
/// `serve` will not do it unasked; SQLite migrates whenever it is opened).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the pending schema migrations to the store (PostgreSQL; SQLite migrates on open).")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let home = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? "./.atrium")
        let opened = try await store.open(home: home, migratePending: false, checkingPending: false)
        let applied = try await opened.migrate()
        let all = try await opened.appliedMigrations()
        if applied.isEmpty {
            print("up to date: \(all.count) migrations applied (last: \(all.last ?? "none"))")
        } else {
            print("applied \(applied.count) migration(s): \(applied.joined(separator: ", "))")
        }
    }
}
