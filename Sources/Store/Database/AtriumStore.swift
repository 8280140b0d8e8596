import Foundation
import GRDB
import Tenancy

/// The database and the repositories that are the only way in: by default one SQLite file in
/// WAL mode with foreign keys on, migrated on open; or a PostgreSQL database several Atrium
/// processes share (``init(postgres:poolSize:queryText:)``, migrated explicitly).
///
/// ```swift
/// let store = try AtriumStore(home: URL(fileURLWithPath: ".atrium"))
/// if let ownerKey = try await store.bootstrapOwnerIfEmpty(presetKey: env["ATRIUM_ADMIN_KEY"]) { … }
/// let authenticator = KeyAuthenticator(lookup: store.keys)
/// ```
///
/// Tenant-data methods take a ``TenantScope`` and put its team into every statement (on
/// PostgreSQL, row-level security holds them to it as well); administrative methods take a
/// ``Grant`` from ``Policy`` (or a ``Principal`` whose visibility they compute).
public final class AtriumStore: Sendable {
    /// The file name inside `ATRIUM_HOME`.
    public static let fileName = "atrium.sqlite"

    /// Kept internal: every access goes through a repository.
    let backend: any StoreBackend

    public let organizations: OrganizationRepository
    public let teams: TeamRepository
    public let users: UserRepository
    public let memberships: MembershipRepository
    public let keys: KeyRepository
    public let profiles: ProfileRepository
    public let limits: LimitsRepository
    public let audit: AuditLog
    public let usage: UsageLedger
    public let alerts: AlertLog
    /// Where alerts are sent (webhooks), and the deliveries still to make.
    public let alertDestinations: AlertDestinationRepository
    public let alertDeliveries: AlertDeliveryQueue
    public let knowledge: KnowledgeRepository
    /// Signed-in web console sessions.
    public let consoleSessions: ConsoleSessionRepository
    public let singleSignOn: SingleSignOnRepository
    /// The limit counters and address blocks every replica shares — PostgreSQL only; `nil` on
    /// the embedded store, where one process keeps them in memory.
    public let sharedLimits: SharedLimitCounters?
    public let sharedAddresses: SharedAddressBlocks?
    /// Budgets per team, user and key, model prices, and their spend.
    public let budgets: BudgetRepository

    /// Opens (creating if needed) `home/atrium.sqlite` and migrates it.
    public convenience init(home: URL, queryText: QueryTextPolicy = .full, exclusive: Bool = false) throws {
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try self.init(path: home.appendingPathComponent(Self.fileName).path, queryText: queryText, exclusive: exclusive)
    }

    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    ///
    /// ```swift
    /// // atrium serve: the one process serving this file, or none
    /// let store = try AtriumStore(path: path, exclusive: true)  // throws StoreInUse if taken
    /// ```
    /// - Parameters:
    ///   - queryText: how much of each request's query text the audit log keeps.
    ///   - exclusive: first take the lock that only one serving process may hold
    ///     (`atrium.sqlite.lock` beside the file, released when the store goes away or the
    ///     process ends), throwing ``StoreInUse`` while another process holds it. Commands that
    ///     only read or maintain the file run beside a server and leave it `false`.
    /// - Throws: ``StoreError/unavailable(_:)`` naming the file and the cause when it cannot be
    ///   opened or written (disk full, read-only).
    public convenience init(path: String, queryText: QueryTextPolicy = .full, exclusive: Bool = false) throws {
        self.init(backend: try SQLiteBackend(path: path, exclusive: exclusive), queryText: queryText)
    }

    /// A store on the PostgreSQL database at `location`, with up to `poolSize` connections.
    /// Nothing connects until first used, and nothing migrates: see ``pendingMigrations()``
    /// and ``migrate()``.
    public convenience init(postgres location: PostgresLocation, poolSize: Int = 8, queryText: QueryTextPolicy = .full) {
        self.init(backend: PostgresBackend(location: location, poolSize: poolSize), queryText: queryText)
    }

    init(backend: any StoreBackend, queryText: QueryTextPolicy) {
        self.backend = backend
        organizations = OrganizationRepository(backend: backend)
        teams = TeamRepository(backend: backend)
        users = UserRepository(backend: backend)
        memberships = MembershipRepository(backend: backend)
        keys = KeyRepository(backend: backend)
        profiles = ProfileRepository(backend: backend)
        limits = LimitsRepository(backend: backend)
        audit = AuditLog(backend: backend, queryText: queryText)
        usage = UsageLedger(backend: backend)
        alerts = AlertLog(backend: backend)
        alertDestinations = AlertDestinationRepository(backend: backend)
        alertDeliveries = AlertDeliveryQueue(backend: backend)
        knowledge = KnowledgeRepository(backend: backend)
        consoleSessions = ConsoleSessionRepository(backend: backend)
        singleSignOn = SingleSignOnRepository(backend: backend)
        let postgres = backend as? PostgresBackend
        sharedLimits = postgres.map(SharedLimitCounters.init(backend:))
        sharedAddresses = postgres.map(SharedAddressBlocks.init(backend:))
        budgets = BudgetRepository(backend: backend)
    }

    /// The SQLite pool (tests and SQLite-only paths); PostgreSQL throws.
    var pool: DatabasePool { get throws { try backend.sqlitePool(for: "raw SQLite access") } }

    /// Which backend this store runs on.
    public var dialect: SQLDialect { backend.dialect }

    /// The migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        switch backend {
        case let postgres as PostgresBackend:
            return try await postgres.appliedMigrations()
        default:
            let pool = try pool
            return try await pool.read { db in try SchemaMigrations.migrator.appliedMigrations(db) }
        }
    }

    /// The migrations this build knows and the database has not had yet (SQLite migrates on
    /// open, so there it is always empty).
    public func pendingMigrations() async throws -> [String] {
        let applied = Set(try await appliedMigrations())
        switch backend {
        case is PostgresBackend: return PostgresSchema.migrations.map(\.name).filter { !applied.contains($0) }
        default: return []
        }
    }

    /// Applies the pending migrations (PostgreSQL; SQLite did on open) and returns their names.
    @discardableResult
    public func migrate() async throws -> [String] {
        guard let postgres = backend as? PostgresBackend else { return [] }
        return try await postgres.migrate()
    }

    /// Refuses a PostgreSQL role that row-level security would not hold: a superuser or a
    /// role with BYPASSRLS (SQLite: nothing to check).
    public func requireRowLevelSecurity() async throws {
        guard let postgres = backend as? PostgresBackend else { return }
        try await postgres.requireRowLevelSecurity()
    }

    /// Whether the database answers right now (`/readyz`).
    public func isReachable() async -> Bool {
        await backend.isReachable()
    }
}
