import Foundation
import Inference
import Retrieval
@testable import Store
import Tenancy
import Testing

/// A temporary store — a SQLite file, or a PostgreSQL database of its own on the server of
/// `ATRIUM_TEST_POSTGRES_URL` (without it the PostgreSQL cases cancel themselves) — with
/// organization acme and its teams sales (alice, member) and development (carol, member),
/// each with an authenticated key, through the public API only.
final class KnowledgeWorld: Sendable {
    enum Backend: String, CaseIterable, Sendable {
        case sqlite
        case postgres
    }

    let directory: URL
    let store: AtriumStore
    /// PostgreSQL: the test's database and the server it was made on, dropped at the end.
    private let postgres: (database: String, server: PostgresLocation)?
    let sales: TenantScope
    let development: TenantScope

    static func make(_ backend: Backend = .sqlite) async throws -> KnowledgeWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-knowledge-\(UUID().uuidString)")
        switch backend {
        case .sqlite:
            return try await KnowledgeWorld(directory: directory, store: try AtriumStore(home: directory), postgres: nil)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["ATRIUM_TEST_POSTGRES_URL"], !url.isEmpty else {
                try Test.cancel("PostgreSQL case skipped: ATRIUM_TEST_POSTGRES_URL is not set (scripts/run-tests sets it)")
            }
            let server = try #require(try PostgresLocation(url: url))
            let name = "atrium_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            try await PostgresBackend.runOutsideTransaction("CREATE DATABASE \(name)", at: server)
            let store = AtriumStore(postgres: server.with(database: name), poolSize: 4)
            try await store.migrate()
            return try await KnowledgeWorld(directory: directory, store: store, postgres: (name, server))
        }
    }

    private init(directory: URL, store: AtriumStore, postgres: (database: String, server: PostgresLocation)?) async throws {
        self.directory = directory
        self.store = store
        self.postgres = postgres
        let authenticator = KeyAuthenticator(lookup: store.keys)
        let owner = try await authenticator.authenticate(presentedKey: try #require(try await store.bootstrapOwnerIfEmpty(presetKey: nil)))
        let acme = try await store.organizations.create(named: "acme", Policy.authorize(owner, .createOrganization, on: .platform))
        let userGrant = try Policy.authorize(owner, .createUser, on: .userDirectory)
        var scopes: [TenantScope] = []
        for (teamName, userName) in [("sales", "alice"), ("development", "carol")] {
            let team = try await store.teams.create(named: teamName, Policy.authorize(owner, .createTeam, on: acme.resource))
            let user = try await store.users.create(named: userName, email: nil, userGrant)
            try await store.memberships.setTeamRole(.member, for: user.id, Policy.authorize(owner, .addMember, on: team.resource))
            let issued = try await store.keys.issue(
                KeyRequest(holder: user.id, binding: .team(team.reference), role: .member, name: "test"),
                Policy.authorize(owner, .issueKey, on: team.resource))
            let principal = try await authenticator.authenticate(presentedKey: issued.secret.revealed)
            scopes.append(try #require(principal.tenantScope))
        }
        sales = scopes[0]
        development = scopes[1]
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        // Never waited for here: a blocked Swift concurrency thread would stall other tests.
        if let postgres { PostgresBackend.dropInBackground(postgres.database, at: postgres.server) }
    }

    /// The fetched all-MiniLM-L6-v2 (`$ATRIUM_HOME/models/minilm-l6`, or the repository's `.atrium`).
    static var miniLMFolder: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let home = ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? root.appendingPathComponent(".atrium").path
        let path = "\(home)/models/minilm-l6"
        return FileManager.default.fileExists(atPath: "\(path)/model.safetensors") ? path : nil
    }

    /// One embedder for the whole test process (loading is cheap, but its thread pool is not free).
    static let sharedEmbedder: SentenceEmbedder? = miniLMFolder.flatMap { try? SentenceEmbedder(folder: $0, threads: 2) }

    /// A knowledge base over this store with the real MiniLM.
    func knowledgeBase() throws -> KnowledgeBase {
        let embedder = try #require(Self.sharedEmbedder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        return KnowledgeBase(store: store, embeddings: EmbeddingQueue(embedder: embedder, modelID: "minilm-l6"))
    }
}
