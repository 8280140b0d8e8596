import AtriumTestSupport
import Console
import Foundation
import GRDB
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Retrieval
import Server
import Store
import Synchronization
import Tenancy
import Testing

/// A temporary database behind the server's real router, console mounted, with a clock the
/// test moves: acme (org) → sales and development (teams) → dave (acme admin), alice (sales
/// admin), bob (sales member), vic (sales viewer), carol (development member); one key each,
/// issued through the administration service the way the API issues them.
final class ConsoleWorld: Sendable {
    let directory: URL
    let store: AtriumStore
    let writer: AccountingWriter
    let gateway: Gateway
    let configuration: ServerConfiguration
    let backend: ScriptedBackend
    private let instant = Clock()
    private let writerTask: Task<Void, Never>
    static let ownerKey = "owner-key-for-console-tests"

    /// `moreChatModels`: served besides `test-model` (the playground's model choice).
    init(secureCookies: Bool = false, moreChatModels: [String] = [], singleSignOn: SingleSignOnConfiguration? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-console-\(UUID().uuidString)")
        store = try AtriumStore(home: directory)
        writer = AccountingWriter(store: store, logger: Logger(label: "test"))
        let writer = writer
        writerTask = Task { await writer.run() }
        backend = ScriptedBackend()
        let instant = instant
        // Knowledge embedded by the word-hash test double (the real model is the browser test's).
        let knowledge = KnowledgeBase(
            store: store, embeddings: EmbeddingQueue(embedder: WordHashEmbedder(), modelID: WordHashEmbedder.modelID))
        gateway = Gateway(
            store: store, backend: backend, catalog: ModelCatalog(chatModel: "test-model", additionalChatModels: moreChatModels), writer: writer,
            knowledge: knowledge, now: { instant.now })
        var configuration = ServerConfiguration()
        configuration.console = ConsoleConfiguration(
            secureCookies: secureCookies, sessionTerms: .init(lifetime: 3600, idleTimeout: 600),
            singleSignOn: singleSignOn)
        self.configuration = configuration
    }

    deinit {
        writer.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    var now: Date { instant.now }
    func advance(by seconds: TimeInterval) { instant.advance(by: seconds) }

    /// The gateway's clock, which only the test moves.
    final class Clock: Sendable {
        private let instant = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { instant.withLock { $0 } }
        func advance(by seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    /// Runs `body` against the router in process, or on a loopback socket with `live`.
    func test<T: Sendable>(live: Bool = false, _ body: @escaping @Sendable (ConsoleBrowser) async throws -> T)
        async throws -> T
    {
        let instant = instant
        let router = AtriumServer.router(gateway: gateway, configuration: configuration, now: { instant.now })
        let sessionCookieName = configuration.console.secureCookies ? "__Host-atrium_console" : "atrium_console"
        return try await Application(router: router).test(live ? .live : .router) { client in
            try await body(ConsoleBrowser(client: client, sessionCookieName: sessionCookieName))
        }
    }

    /// The standard tenants and one key per person (their secrets by name).
    func scenario() async throws -> [String: String] {
        let owner = try #require(try await store.bootstrapOwnerIfEmpty(presetKey: Self.ownerKey))
        let admin = gateway.administration
        func principal(_ key: String) async throws -> Principal {
            try await gateway.authenticator.authenticate(authorization: "Bearer \(key)", audit: audit())
        }
        func audit() -> RequestAudit { RequestAudit(requestID: "setup", action: "setup", resource: "setup") }
        let ownerPrincipal = try await principal(owner)
        _ = try await admin.createOrganization(named: "acme", principal: ownerPrincipal, audit: audit())
        for name in ["dave", "alice", "bob", "vic", "carol"] {
            _ = try await admin.createUser(
                named: name, email: nil, organization: "acme", principal: ownerPrincipal, audit: audit())
        }
        _ = try await admin.appointOrganizationAdmin("dave", of: "acme", principal: ownerPrincipal, audit: audit())
        var keys = ["owner": owner]
        keys["dave"] = try await admin.issueKey(
            KeyIssueOrder(user: "dave", organization: "acme"), principal: ownerPrincipal, audit: audit()
        ).secret.revealed
        let dave = try await principal(keys["dave"]!)
        for team in ["sales", "development"] {
            _ = try await admin.createTeam(named: team, in: "acme", principal: dave, audit: audit())
        }
        for (user, team, role) in [
            ("alice", "sales", "admin"), ("bob", "sales", "member"), ("vic", "sales", "viewer"),
            ("carol", "development", "member"),
        ] {
            _ = try await admin.setMember(user, of: "acme/\(team)", role: role, principal: dave, audit: audit())
            keys[user] = try await admin.issueKey(
                KeyIssueOrder(user: user, team: "acme/\(team)"), principal: dave, audit: audit()
            ).secret.revealed
        }
        return keys
    }

    /// The id of a team (`acme/sales`).
    func teamID(_ address: String) async throws -> String {
        let owner = try await gateway.authenticator.authenticate(
            authorization: "Bearer \(Self.ownerKey)",
            audit: RequestAudit(requestID: "read", action: "read", resource: "read"))
        let teams = try await gateway.administration.teams(
            in: "acme", principal: owner, audit: RequestAudit(requestID: "read", action: "read", resource: "read"))
        let name = address.split(separator: "/").last.map(String.init)
        return try #require(teams.first { $0.name == name }).id.rawValue
    }

    /// Runs raw SQL on the database file after dropping the audit log's append-only triggers,
    /// as someone with write access to the file could.
    func tamper(_ sql: String) throws {
        try DatabaseQueue(path: directory.appendingPathComponent(AtriumStore.fileName).path).write { db in
            try db.execute(sql: "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;")
            try db.execute(sql: sql)
        }
    }

    /// Every audit record, newest first, once all are written.
    func auditRecords() async throws -> [AuditRecord] {
        await writer.flush()
        let owner = try await gateway.authenticator.authenticate(
            authorization: "Bearer \(Self.ownerKey)",
            audit: RequestAudit(requestID: "read", action: "read", resource: "read"))
        return try await store.audit.records(visibleTo: owner, filter: AuditFilter(limit: 1000))
    }
}
