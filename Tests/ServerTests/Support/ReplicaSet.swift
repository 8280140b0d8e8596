import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// Two `atrium serve` processes (the real SmolLM2 and MiniLM models) on one PostgreSQL
/// database, migrated first with `atrium migrate`, behind nginx configured by
/// `deploy/nginx/atrium.conf` — the README's deployment, on free loopback ports. Everything
/// it starts (replicas, nginx, their folders, the database) is gone when ``run(_:)`` returns,
/// however it returns.
final class ReplicaSet: Sendable {
    static let ownerKey = "atrium-owner-key-for-replica-tests"

    let database: String
    let replicas: [ServerProcess]
    let nginx: NginxProcess

    /// Through nginx, as clients reach the deployment.
    var http: LiveClient { LiveClient(baseURL: nginx.baseURL, client: HTTPClient.shared) }

    /// Straight to one replica, bypassing nginx.
    func replica(_ index: Int) -> LiveClient {
        LiveClient(baseURL: replicas[index].baseURL, client: HTTPClient.shared)
    }

    private init(database: String, replicas: [ServerProcess], nginx: NginxProcess) {
        self.database = database
        self.replicas = replicas
        self.nginx = nginx
    }

    static func run(_ body: (ReplicaSet) async throws -> Void) async throws {
        _ = try NginxProcess.binary()
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let miniLM = try #require(KnowledgeEndToEndTests.miniLMFolder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        try await DatabaseCommandTests.withEmptyDatabase { url in
            let migrated = try await DatabaseCommandTests.atrium(["migrate", "--database", url])
            try #require(migrated.status == 0, "atrium migrate: \(migrated.output)")
            var replicas: [ServerProcess] = []
            // However the test ends, the replicas stop before the database is dropped.
            defer { for replica in replicas { replica.killAndReap() } }
            for _ in 0..<2 {
                // One engine thread each: two replicas share the host's two cores.
                replicas.append(
                    try await ServerProcess(
                        upstream: nil,
                        extraArguments: [
                            "--model", model, "--embedding-model", miniLM, "--threads", "1", "--database", url,
                            "--trust-forwarded-for",
                        ],
                        environment: ["ATRIUM_ADMIN_KEY": ownerKey]))
            }
            let nginx = try await NginxProcess(replicas: replicas.map(\.port))
            defer { nginx.stop() }
            try await body(ReplicaSet(database: url, replicas: replicas, nginx: nginx))
        }
    }

    /// Org acme, team sales (a small system prompt, one-token answers, retrieval over its
    /// `handbook`), user sam with an admin key in it: the key and the team's id. `maxTokens`
    /// caps every answer (the team's profile).
    func salesKey(maxTokens: Int = 2) async throws -> (key: String, team: String) {
        let owner = Self.ownerKey
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        let team = try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": "sales"])
        #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": "sam"]).status == 201)
        let member = try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/members/sam", key: owner, json: ["role": "admin"])
        #expect(member.status == 200)
        let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": "sam", "team": "acme/sales"])
        let key = try #require(issued.json["key"] as? String, "\(issued.body)")
        let profile = try await http.call(
            "PUT", "/v1/admin/teams/sales/profile", key: key,
            json: ["system_prompt": "Answer briefly.", "max_tokens": maxTokens, "temperature": 0])
        #expect(profile.status == 200, "\(profile.body)")
        #expect(try await http.call("POST", "/v1/collections", key: key, json: ["name": "handbook"]).status == 201)
        return (key, try #require(team.json["id"] as? String))
    }

    /// Successful chat completions each replica answered itself (its own `/metrics`).
    func chatsServed() async throws -> [Int] {
        var served: [Int] = []
        for index in replicas.indices {
            let scrape = try await replica(index).call("GET", "/metrics", key: Self.ownerKey)
            let metrics = try PrometheusText(scrape.body)
            served.append(
                Int(metrics.value("atrium_requests_total", ["route": "/v1/chat/completions", "status": "200"])))
        }
        return served
    }

    /// `atrium audit verify --database …`: exit status and output.
    func auditVerify() async throws -> ProgramRun {
        try await DatabaseCommandTests.atrium(["audit", "verify", "--database", database])
    }
}
