import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve --upstream` in front of the mock upstream, over real HTTP: limits set through
/// the admin API answer 429 with `Retry-After` on the very next request; a team admin reads
/// its limits but cannot raise them (and is alerted on); usage adds up per team, user, key
/// and day, over HTTP and in `atrium usage`.
@Suite(.serialized) struct LimitsEndToEndTests {
    @Test func limitsAnswer429WithRetryAfterAndUsageAddsUp() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock"])
        let http = LiveExchange(baseURL: server.baseURL)
        let owner = server.ownerKey
        let sue = try await http.member(owner: owner, org: "acme", team: "sales", user: "sue", role: "member")
        let sam = try await http.member(owner: owner, org: "acme", team: "sales", user: "sam", role: "admin")
        let throttled = try await http.member(
            owner: owner, org: "acme", team: "sales", user: "sue", role: "member", keyLimits: ["requests_per_minute": 1])

        // A key's own limit, set when it was minted.
        #expect(try await http.chat(key: throttled.key).status == 200)
        let keyRefusal = try await http.chat(key: throttled.key)
        #expect(keyRefusal.status == 429, "\(keyRefusal.body)")
        #expect(keyRefusal.retryAfter.map { (50...60).contains($0) } == true, "\(keyRefusal.headers)")
        #expect(keyRefusal.error["type"] as? String == "rate_limit_exceeded")
        #expect(keyRefusal.error["code"] as? String == "requests_per_minute_exceeded")
        #expect((keyRefusal.error["message"] as? String)?.hasPrefix("This key's") == true)

        // The team's limit, set by the owner, applies to the very next request.
        #expect(try await http.chat(key: sue.key).status == 200)
        let set = try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/limits", key: owner, json: ["requests_per_minute": 2])
        #expect(set.status == 200 && set.json["requests_per_minute"] as? Int == 2, "\(set.body)")
        #expect(try await http.chat(key: sue.key).status == 200)
        #expect(try await http.chat(key: sam.key).status == 200)
        let teamRefusal = try await http.chat(key: sue.key)
        #expect(teamRefusal.status == 429)
        #expect(teamRefusal.retryAfter.map { (1...30).contains($0) } == true, "\(teamRefusal.headers)")
        #expect((teamRefusal.error["message"] as? String)?.hasPrefix("The team's") == true)

        // The team admin reads its limits, but never raises them: 403, audited, alerted.
        let read = try await http.call("GET", "/v1/admin/teams/sales/limits", key: sam.key)
        #expect(read.status == 200 && read.json["requests_per_minute"] as? Int == 2)
        let raise = try await http.call("PUT", "/v1/admin/teams/sales/limits", key: sam.key, json: ["requests_per_minute": 1000])
        #expect(raise.status == 403 && raise.error["code"] as? String == "role_not_allowed")
        #expect(try await http.call("GET", "/v1/admin/teams/sales/limits", key: sam.key).json["requests_per_minute"] as? Int == 2)
        let alerts = try await http.call("GET", "/v1/admin/alerts", key: sam.key)
        #expect(alerts.status == 200)
        let escalation = try #require(alerts.data.first { $0["kind"] as? String == "role_escalation" })
        #expect(escalation["address"] as? String == "127.0.0.1")
        #expect(escalation["key_prefix"] as? String == String(sam.key.prefix(12)))
        #expect(!alerts.body.contains(sam.key), "an alert never holds the key")

        // Refused requests are audited with their reason and charged nothing.
        let byKey = try await waitForUsage(http, owner: owner, group: "key") { rows in
            rows.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == 4
        }
        #expect(byKey.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == 4, "4 chats served, 2 refused")
        let audit = try await http.call("GET", "/v1/admin/audit?limit=1000", key: owner)
        let reasons = audit.data.compactMap { $0["reason"] as? String }
        #expect(reasons.filter { $0 == "requests_per_minute_exceeded" }.count == 2)
        #expect(byKey.first { $0["key_id"] as? String == throttled.id }?["requests"] as? Int == 1)
        #expect(byKey.first { $0["key_id"] as? String == sue.id }?["total_tokens"] as? Int == 30, "2 chats × (9 + 6)")
        let byUser = try await http.call("GET", "/v1/admin/usage?group_by=user", key: sam.key)
        #expect(Set(byUser.data.compactMap { $0["user_name"] as? String }) == ["sue", "sam"])
        #expect(byUser.data.first { $0["user_name"] as? String == "sue" }?["requests"] as? Int == 3)
        let byDay = try await http.call("GET", "/v1/admin/usage?group_by=day&team=acme/sales", key: owner)
        #expect(byDay.data.count == 1 && byDay.data.first?["prompt_tokens"] as? Int == 36, "4 chats × 9")
        let bad = try await http.call("GET", "/v1/admin/usage?group_by=planet", key: owner)
        #expect(bad.status == 400 && bad.error["param"] as? String == "group_by")

        // `atrium usage` reads the same ledger from the file, beside the running server.
        let table = try await ProgramRun.run(
            [ServerProcess.binary.path, "usage", "--group-by", "user"], environment: ["ATRIUM_HOME": server.home.path])
        #expect(table.status == 0, "\(table.output)")
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("USER") == true, "\(table.output)")
        let sueLine = try #require(lines.first { $0.hasPrefix("sue ") })
        #expect(sueLine.split(separator: " ").suffix(5) == ["3", "27", "18", "45", "0"], "\(sueLine)")
        #expect(lines.last?.hasPrefix("TOTAL") == true)
        let filtered = try await ProgramRun.run(
            [ServerProcess.binary.path, "usage", "--team", "acme/sales", "--since", "2000-01-01", "--group-by", "team"],
            environment: ["ATRIUM_HOME": server.home.path])
        #expect(filtered.output.contains("sales") && filtered.status == 0, "\(filtered.output)")
    }

    private func waitForUsage(
        _ http: LiveExchange, owner: String, group: String, until done: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for _ in 0..<600 {  // up to ~30 s: the suites share two cores
            rows = try await http.call("GET", "/v1/admin/usage?group_by=\(group)", key: owner).data
            if done(rows) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return rows
    }
}
