import Foundation
import GRDB
import Tenancy

/// The database: one SQLite file in WAL mode with foreign keys on, migrated on open, and the
/// repositories that are the only way in.
///
/// ```swift
/// let store = try AtriumStore(home: URL(fileURLWithPath: ".atrium"))
/// if let ownerKey = try await store.bootstrapOwnerIfEmpty(presetKey: env["ATRIUM_ADMIN_KEY"]) { … }
/// let authenticator = KeyAuthenticator(lookup: store.keys)
/// ```
///
/// SQLite has no row-level security: the repositories *are* it. Tenant-data methods take a
/// ``TenantScope`` and put its team into every statement; administrative methods take a
/// ``Grant`` from ``Policy`` (or a ``Principal`` whose visibility they compute).
public final class AtriumStore: Sendable {
    /// The file name inside `ATRIUM_HOME`.
    public static let fileName = "atrium.sqlite"

    /// Kept internal: every access goes through a repository.
    let pool: DatabasePool

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

    /// Opens (creating if needed) `home/atrium.sqlite` and migrates it.
    public convenience init(home: URL, queryText: QueryTextPolicy = .full) throws {
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try self.init(path: home.appendingPathComponent(Self.fileName).path, queryText: queryText)
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    /// - Parameter queryText: how much of each request's query text the audit log keeps.
    public init(path: String, queryText: QueryTextPolicy = .full) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "atrium"
        pool = try DatabasePool(path: path, configuration: configuration)
        try SchemaMigrations.migrator.migrate(pool)

        organizations = OrganizationRepository(pool: pool)
        teams = TeamRepository(pool: pool)
        users = UserRepository(pool: pool)
        memberships = MembershipRepository(pool: pool)
        keys = KeyRepository(pool: pool)
        profiles = ProfileRepository(pool: pool)
        limits = LimitsRepository(pool: pool)
        audit = AuditLog(pool: pool, queryText: queryText)
        usage = UsageLedger(pool: pool)
        alerts = AlertLog(pool: pool)
        alertDestinations = AlertDestinationRepository(pool: pool)
        alertDeliveries = AlertDeliveryQueue(pool: pool)
        knowledge = KnowledgeRepository(pool: pool)
        consoleSessions = ConsoleSessionRepository(pool: pool)
    }

    /// The migrations applied to this file, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try SchemaMigrations.migrator.appliedMigrations(db) }
    }
}
