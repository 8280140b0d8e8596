import AtriumTestSupport
import Foundation
import Gateway
import Logging
import Retrieval
@testable import Store
import Tenancy
import Testing

/// A temporary database with acme (teams sales and development) and globex (team research),
/// built through the gateway's own administration service, a running accounting writer, and
/// a gateway over a ``ScriptedBackend``.
///
/// Keys: owner; acme admin "dave"; sales: admin "alice", member "bob", viewer "vic";
/// development admin "carol"; globex admin "erin".
final class GatewayWorld: Sendable {
    let directory: URL
    let store: AtriumStore
    let writer: AccountingWriter
    let gateway: Gateway
    let backend: ScriptedBackend
    let writerTask: Task<Void, Never>
    let keys: [String: String]
    let acme: Organization
    let sales: Team
    let development: Team
    /// PostgreSQL: the world's database and the server it lives on (dropped with the world).
    let postgres: (database: PostgresLocation, server: PostgresLocation)?
    private let now: @Sendable () -> Date

    static func make(
        backend: ScriptedBackend = ScriptedBackend(), queryText: QueryTextPolicy = .full,
        catalog: ModelCatalog = ModelCatalog(chatModel: "test-model"), now: @escaping @Sendable () -> Date = { Date() },
        responseCache: ResponseCache = ResponseCache(configuration: .disabled), embeddings: EmbeddingQueue? = nil,
        database: GatewayDatabase = .sqlite, store givenStore: AtriumStore? = nil
    ) async throws -> GatewayWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-gateway-\(UUID().uuidString)")
        // `store`: an empty, migrated store of the test's own; otherwise a database of `database`'s kind.
        let postgres = givenStore == nil && database == .postgres ? try await GatewayDatabase.makePostgres() : nil
        let store =
            try givenStore ?? postgres.map { AtriumStore(postgres: $0.database, poolSize: 4, queryText: queryText) }
            ?? AtriumStore(home: directory, queryText: queryText)
        let writer = AccountingWriter(store: store, logger: Logger(label: "test"))
        let writerTask = Task { await writer.run() }
        let knowledge = embeddings.map { KnowledgeBase(store: store, embeddings: $0) }
        let gateway = Gateway(
            store: store, backend: backend, catalog: catalog, writer: writer, knowledge: knowledge, now: now,
            responseCache: responseCache)
        return try await GatewayWorld(
            directory: directory, store: store, writer: writer, writerTask: writerTask, gateway: gateway, backend: backend,
            postgres: postgres, now: now)
    }

    private init(
        directory: URL, store: AtriumStore, writer: AccountingWriter, writerTask: Task<Void, Never>, gateway: Gateway,
        backend: ScriptedBackend, postgres: (database: PostgresLocation, server: PostgresLocation)?,
        now: @escaping @Sendable () -> Date
    ) async throws {
        self.directory = directory
        self.postgres = postgres
        self.now = now
        self.store = store
        self.writer = writer
        self.writerTask = writerTask
        self.gateway = gateway
        self.backend = backend
        let ownerKey = try #require(try await store.bootstrapOwnerIfEmpty(presetKey: nil))
        var keys = ["owner": ownerKey]
        let admin = gateway.administration
        func principal(_ key: String) async throws -> Principal {
            try await gateway.authenticator.authenticate(
                authorization: "Bearer \(key)", audit: RequestAudit(requestID: "setup", action: "setup", resource: "setup"))
        }
        func audit() -> RequestAudit { RequestAudit(requestID: "setup", action: "setup", resource: "setup") }
        let owner = try await principal(ownerKey)
        acme = try await admin.createOrganization(named: "acme", principal: owner, audit: audit())
        _ = try await admin.createOrganization(named: "globex", principal: owner, audit: audit())
        for name in ["dave", "erin", "alice", "bob", "vic", "carol"] {
            _ = try await admin.createUser(
                named: name, email: nil, organization: name == "erin" ? "globex" : "acme", principal: owner, audit: audit())
        }
        for (user, organization) in [("dave", "acme"), ("erin", "globex")] {
            _ = try await admin.appointOrganizationAdmin(user, of: organization, principal: owner, audit: audit())
            keys[user] = try await admin.issueKey(
                KeyIssueOrder(user: user, organization: organization), principal: owner, audit: audit()
            ).secret.revealed
        }
        let dave = try await principal(keys["dave"]!)
        sales = try await admin.createTeam(named: "sales", in: "acme", principal: dave, audit: audit())
        development = try await admin.createTeam(named: "development", in: "acme", principal: dave, audit: audit())
        _ = try await admin.createTeam(named: "research", in: "globex", principal: owner, audit: audit())
        for (user, team, role) in [
            ("alice", "acme/sales", "admin"), ("bob", "acme/sales", "member"), ("vic", "acme/sales", "viewer"),
            ("carol", "acme/development", "admin"),
        ] {
            _ = try await admin.setMember(user, of: team, role: role, principal: dave, audit: audit())
            keys[user] = try await admin.issueKey(
                KeyIssueOrder(user: user, team: team), principal: dave, audit: audit()
            ).secret.revealed
        }
        self.keys = keys
    }

    deinit {
        writer.shutdown()
        try? FileManager.default.removeItem(at: directory)
        if let postgres { PostgresBackend.dropInBackground(postgres.database.database, at: postgres.server) }
    }

    /// A second gateway on this world's PostgreSQL database, as another replica would be: a
    /// store, accounting writer and counters of its own, the same clock, over `backend`.
    func replica(backend: ScriptedBackend = ScriptedBackend()) throws -> GatewayReplica {
        let database = try #require(postgres?.database, "replicas share a PostgreSQL database")
        return GatewayReplica(store: AtriumStore(postgres: database, poolSize: 4), backend: backend, now: now)
    }

    /// A fresh audit for one request.
    func audit(_ action: String = "test") -> RequestAudit {
        RequestAudit(requestID: UUID().uuidString, action: action, resource: "test")
    }

    /// Authenticates the named holder's key.
    func principal(_ holder: String) async throws -> Principal {
        try await gateway.authenticator.authenticate(authorization: "Bearer \(keys[holder]!)", audit: audit())
    }

    /// Every audit record, newest first, once everything submitted is written.
    func auditRecords() async throws -> [AuditRecord] {
        await writer.flush()
        let owner = try await principal("owner")
        return try await store.audit.records(visibleTo: owner, filter: AuditFilter(limit: 1000))
    }
}

/// Another replica's gateway on a world's PostgreSQL database (``GatewayWorld/replica(backend:)``).
final class GatewayReplica: Sendable {
    let store: AtriumStore
    let writer: AccountingWriter
    let gateway: Gateway
    let backend: ScriptedBackend
    private let writerTask: Task<Void, Never>

    init(store: AtriumStore, backend: ScriptedBackend, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.backend = backend
        writer = AccountingWriter(store: store, logger: Logger(label: "test"))
        let writer = writer
        writerTask = Task { await writer.run() }
        gateway = Gateway(
            store: store, backend: backend, catalog: ModelCatalog(chatModel: "test-model"), writer: writer, now: now)
    }

    deinit {
        writer.shutdown()
    }
}
