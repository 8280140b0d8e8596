import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Retrieval
import Server
import Store
import Testing

/// A temporary database behind the real router (knowledge embedded by ``WordHashEmbedder``),
/// set up over HTTP the way an operator would:
/// owner → organizations acme and globex → org admins dave and erin → teams sales and
/// development (acme) and research (globex) → members and their keys.
///
/// Keys: owner; dave (acme admin); erin (globex admin); alice (sales admin), bob (sales
/// member), vic (sales viewer); carol (development admin); expired (a sales member key past
/// its expiry); revoked (a revoked sales member key).
final class ServerWorld: Sendable {
    let directory: URL
    let store: AtriumStore
    let writer: AccountingWriter
    let gateway: Gateway
    let clock: TestClock
    let configuration: ServerConfiguration
    let writerTask: Task<Void, Never>
    /// This world's own metrics registry (nothing global): what `GET /metrics` serves.
    let exposition = MetricsExposition()

    static func make(
        backend: any LanguageModelBackend = ScriptedBackend(), maximumBodyBytes: Int = ServerConfiguration.defaultMaximumBodyBytes,
        metricsToken: String? = nil, maximumUploadBytes: Int = ServerConfiguration.defaultMaximumUploadBytes,
        responseCache: ResponseCache = ResponseCache(configuration: .disabled), store: AtriumStore? = nil
    ) throws -> ServerWorld {
        try ServerWorld(
            backend: backend, maximumBodyBytes: maximumBodyBytes, metricsToken: metricsToken,
            maximumUploadBytes: maximumUploadBytes, responseCache: responseCache, store: store)
    }

    /// - Parameter store: a store to serve instead of a new SQLite one (a replica's PostgreSQL store).
    private init(
        backend: any LanguageModelBackend, maximumBodyBytes: Int, metricsToken: String?, maximumUploadBytes: Int,
        responseCache: ResponseCache, store: AtriumStore?
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-server-\(UUID().uuidString)")
        self.store = try store ?? AtriumStore(home: directory)
        let store = self.store
        writer = AccountingWriter(store: store, logger: Logger(label: "test"))
        let writer = writer
        writerTask = Task { await writer.run() }
        let clock = TestClock()
        self.clock = clock
        let knowledge = KnowledgeBase(
            store: store, embeddings: EmbeddingQueue(embedder: WordHashEmbedder(), modelID: WordHashEmbedder.modelID))
        gateway = Gateway(
            store: store, backend: backend, catalog: ModelCatalog(chatModel: "test-model"), writer: writer,
            knowledge: knowledge, metrics: exposition.metrics, now: { clock.now }, responseCache: responseCache)
        configuration = ServerConfiguration(
            maximumBodyBytes: maximumBodyBytes, metricsToken: metricsToken, maximumUploadBytes: maximumUploadBytes)
    }

    deinit {
        writer.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` against the router in process.
    func test<T: Sendable>(_ body: @escaping @Sendable (HTTPCaller) async throws -> T) async throws -> T {
        let clock = clock
        let router = AtriumServer.router(
            gateway: gateway, configuration: configuration, exposition: exposition, now: { clock.now })
        return try await Application(router: router).test(.router) { client in
            try await body(HTTPCaller(client: client))
        }
    }

    /// Runs `body` against the router served on a loopback port: real sockets and HTTP
    /// (HummingbirdTesting's `.live`).
    func testLive<T: Sendable>(_ body: @escaping @Sendable (HTTPCaller) async throws -> T) async throws -> T {
        let clock = clock
        let router = AtriumServer.router(
            gateway: gateway, configuration: configuration, exposition: exposition, now: { clock.now })
        return try await Application(router: router).test(.live) { client in
            try await body(HTTPCaller(client: client))
        }
    }

    /// The owner key, created on the empty database.
    func ownerKey() async throws -> String {
        try #require(try await store.bootstrapOwnerIfEmpty(presetKey: "owner-key-for-tests"))
    }

    /// Every audit record the owner can see, newest first, once all are written.
    func auditRecords() async throws -> [AuditRecord] {
        await writer.flush()
        let owner = try await gateway.authenticator.authenticate(
            authorization: "Bearer owner-key-for-tests",
            audit: RequestAudit(requestID: "read", action: "read", resource: "read"))
        return try await store.audit.records(visibleTo: owner, filter: AuditFilter(limit: 1000))
    }
}

/// The keys of the standard scenario, created through the admin API.
struct Scenario: Sendable {
    let keys: [String: String]
    let ids: [String: String]

    subscript(_ holder: String) -> String { keys[holder]! }

    static func build(_ http: HTTPCaller, world: ServerWorld) async throws -> Scenario {
        let owner = try await world.ownerKey()
        var keys = ["owner": owner]
        var ids: [String: String] = [:]
        func expect(_ answer: HTTPAnswer, _ status: Int, _ what: String) throws -> [String: Any] {
            guard answer.status == status else { throw ScenarioError.unexpected(what, answer.status, answer.body) }
            return answer.json
        }
        for organization in ["acme", "globex"] {
            ids[organization] = try expect(
                try await http.call(.post, "/v1/admin/orgs", key: owner, json: ["name": organization]), 201, "org")["id"] as? String
        }
        for user in ["dave", "erin", "alice", "bob", "vic", "carol"] {
            ids[user] = try expect(
                try await http.call(
                    .post, "/v1/admin/users", key: owner, json: ["name": user, "org": user == "erin" ? "globex" : "acme"]),
                201, "user")["id"] as? String
        }
        for (user, organization) in [("dave", "acme"), ("erin", "globex")] {
            _ = try expect(try await http.call(.put, "/v1/admin/orgs/\(organization)/admins/\(user)", key: owner), 200, "admin")
            keys[user] = try expect(
                try await http.call(.post, "/v1/admin/keys", key: owner, json: ["user": user, "org": organization]), 201,
                "admin key")["key"] as? String
        }
        for team in ["sales", "development"] {
            ids[team] = try expect(
                try await http.call(.post, "/v1/admin/orgs/acme/teams", key: keys["dave"]!, json: ["name": team]), 201,
                "team")["id"] as? String
        }
        _ = try expect(try await http.call(.post, "/v1/admin/orgs/globex/teams", key: keys["erin"]!, json: ["name": "research"]), 201, "team")
        for (user, team, role) in [
            ("alice", "sales", "admin"), ("bob", "sales", "member"), ("vic", "sales", "viewer"),
            ("carol", "development", "admin"),
        ] {
            _ = try expect(
                try await http.call(.put, "/v1/admin/teams/acme%2F\(team)/members/\(user)", key: keys["dave"]!, json: ["role": role]),
                200, "member")
            keys[user] = try expect(
                try await http.call(.post, "/v1/admin/keys", key: keys["dave"]!, json: ["user": user, "team": "acme/\(team)"]),
                201, "key")["key"] as? String
        }
        let expiresAt = ISO8601DateFormatter().string(from: world.clock.now.addingTimeInterval(60))
        keys["expired"] = try expect(
            try await http.call(
                .post, "/v1/admin/keys", key: keys["alice"]!,
                json: ["user": "bob", "team": "sales", "name": "short", "expires_at": expiresAt]), 201, "expiring key")["key"] as? String
        let revoked = try expect(
            try await http.call(.post, "/v1/admin/keys", key: keys["alice"]!, json: ["user": "bob", "team": "sales"]), 201, "key")
        keys["revoked"] = revoked["key"] as? String
        _ = try expect(try await http.call(.delete, "/v1/admin/keys/\(revoked["id"] as! String)", key: keys["alice"]!), 200, "revoke")
        world.clock.advance(by: 120)
        return Scenario(keys: keys, ids: ids)
    }
}

enum ScenarioError: Error, CustomStringConvertible {
    case unexpected(String, Int, String)

    var description: String {
        switch self {
        case let .unexpected(what, status, body): "\(what): HTTP \(status) \(body)"
        }
    }
}
