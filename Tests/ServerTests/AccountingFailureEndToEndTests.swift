import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// "Every request audited" through a real server on SQLite: an answer — a refusal as much as a
/// success — leaves only once its record is committed, so a crash right after loses no record
/// of it; and while the audit log cannot be written (here a trigger makes the database refuse
/// every audit record, as a full disk would), nothing is served: 503 `storage_unavailable`,
/// `/readyz` not ready, until commits succeed again — then every queued record is written and
/// the chain verifies.
@Suite(.serialized) struct AccountingFailureEndToEndTests {
    static let ownerKey = "atrium-owner-key-for-accounting-failure-tests"

    static func atrium(_ arguments: [String], home: URL) async throws -> ProgramRun {
        try await ProgramRun.run([ServerProcess.binary.path] + arguments, environment: ["ATRIUM_HOME": home.path])
    }

    /// The exported records (one JSON object a line).
    static func records(home: URL) async throws -> [[String: Any]] {
        let export = try await atrium(["audit", "export"], home: home)
        #expect(export.status == 0, "\(export.output)")
        return export.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Refusals were answered before their records were committed: a `kill -9` once every
    /// refusal had its 401 lost some of their records (5 of 200 on SQLite, 195 of 200 on
    /// PostgreSQL in a probe). Now each 401 waits for its commit (one commit serves them all).
    @Test func everyRefusalAnsweredIsRecordedThoughTheServerIsKilledAtOnce() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL, extraArguments: ["--model", "mock", "--block-after", "1000000"],
            environment: ["ATRIUM_ADMIN_KEY": Self.ownerKey])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let refusals = 150
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<refusals {
                group.addTask { try await http.call("GET", "/v1/models", key: "atr_refused_\(index)").status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 401 }, "\(Set(statuses))")
        server.killAndReap()
        let recorded = try await Self.records(home: server.home).filter { $0["resource"] as? String == "GET /v1/models" }
        #expect(recorded.count == refusals, "\(recorded.count) of \(refusals) answered refusals recorded")
        #expect(try await Self.atrium(["audit", "verify"], home: server.home).status == 0)
    }

    @Test func nothingIsServedWhileTheAuditLogCannotBeWrittenAndAllIsRecordedOnceItCanAgain() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL, extraArguments: ["--model", "mock"], environment: ["ATRIUM_ADMIN_KEY": Self.ownerKey])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        #expect(try await http.call("POST", "/v1/admin/orgs", key: Self.ownerKey, json: ["name": "acme"]).status == 201)
        #expect(try await http.call("GET", "/readyz").status == 200)

        try await RefusingAuditLog.refuse(home: server.home)
        // A success whose record does not commit within the wait is withheld: 503 in its place.
        let withheld = try await http.call("GET", "/v1/admin/orgs", key: Self.ownerKey)
        #expect(withheld.status == 503, "\(withheld.body)")
        #expect(withheld.body.contains("storage_unavailable"))
        #expect(withheld.headers["retry-after"] == "5")
        // Commits failing for a second or more: refused at the door at once, keys or not.
        let started = ContinuousClock.now
        let refused = try await http.call("GET", "/v1/admin/orgs", key: Self.ownerKey)
        let unknownKey = try await http.call("GET", "/v1/models", key: "atr_not_a_key")
        #expect(refused.status == 503 && unknownKey.status == 503, "\(refused.body) \(unknownKey.body)")
        #expect(started.duration(to: .now) < .seconds(3), "the door does not wait for a commit that will not come")
        #expect(try await http.call("GET", "/readyz").status == 503)
        #expect(try await http.call("GET", "/metrics", key: Self.ownerKey).status == 200, "the scraper still sees why")

        try await RefusingAuditLog.lift(home: server.home)
        // The writer's retry commits the queued records; the replica is ready again.
        let deadline = ContinuousClock.now + .seconds(20)
        while try await http.call("GET", "/readyz").status != 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await http.call("GET", "/v1/admin/orgs", key: Self.ownerKey).status == 200)
        #expect(await server.stop() == 0)

        let records = try await Self.records(home: server.home)
        let unavailable = records.filter { ($0["flags"] as? [String] ?? []).contains("storage.unavailable") }
        #expect(unavailable.count == 2, "the requests refused at the door are recorded: \(unavailable.count)")
        #expect(try await Self.atrium(["audit", "verify"], home: server.home).status == 0)
    }
}
