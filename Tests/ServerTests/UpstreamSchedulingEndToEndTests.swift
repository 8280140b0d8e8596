import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve --upstream` in front of a test engine that behaves like a GPU server (fixed
/// slots, first come first served beyond them, tokens at a fixed rate), over real HTTP: another
/// team is served beside a flood, each team's requests carry its own cache salt, weights are
/// set through the limits API, and `/readyz` and `/metrics` report the upstreams.
@Suite(.serialized, .timeLimit(.minutes(3))) struct UpstreamSchedulingEndToEndTests {
    private static func chat(_ http: LiveExchange, key: String, tokens: Int, stream: Bool = false) async throws
        -> LiveExchange.Answer
    {
        try await http.call(
            "POST", "/v1/chat/completions", key: key,
            json: [
                "model": "test", "messages": [["role": "user", "content": "Hello"]], "max_tokens": tokens,
                "temperature": 0.7, "stream": stream,
            ])
    }

    /// A client that hangs up while its request waits for a slot leaves the queue at once: the
    /// request never reaches the engine (it used to wait, be sent when a slot freed and be
    /// charged, since nothing is written to a client before its first token), and it is
    /// charged nothing (it used to be charged its prompt's estimate, as a request the engine
    /// may have started).
    @Test func aClientThatHangsUpWhileQueuedLeavesTheQueueAndIsNeverSent() async throws {
        let engine = try await TestEngineProcess(slots: 1, tokensPerSecond: 40)
        let server = try await ServerProcess(
            upstream: engine.baseURL,
            extraArguments: ["--model", "test", "--upstream-concurrency", "1", "--upstream-reserved", "0"])
        let http = LiveExchange(baseURL: server.baseURL)
        let sue = try await http.member(owner: server.ownerKey, org: "acme", team: "sales", user: "sue", role: "member")
        let long = Task { try? await Self.chat(http, key: sue.key, tokens: 600, stream: true) }
        defer { long.cancel() }
        let deadline = ContinuousClock.now + .seconds(30)
        while try await engine.stats().running < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }

        func queued() async throws -> Double? {
            let metrics = try await http.call("GET", "/metrics", key: server.ownerKey).body
            return metrics.split(separator: "\n").first { $0.hasPrefix(#"atrium_scheduler_queued{model="test"}"#) }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        for stream in [true, false] {
            let body = #"{"model":"test","max_tokens":5,"stream":\#(stream),"messages":[{"role":"user","content":"Hi"}]}"#
            let gaveUp = try await ProgramRun.run([
                "curl", "-s", "--max-time", "1", server.baseURL + "/v1/chat/completions", "-H", "Authorization: Bearer \(sue.key)",
                "-H", "Content-Type: application/json", "-d", body,
            ])
            #expect(gaveUp.status == 28, "curl timed out waiting: \(gaveUp.output)")
            var left = try await queued()
            let leftBy = ContinuousClock.now + .seconds(5)
            while left != 0, ContinuousClock.now < leftBy {
                try await Task.sleep(for: .milliseconds(50))
                left = try await queued()
            }
            #expect(left == 0, "stream \(stream): the request left the queue")
        }
        #expect(try await engine.stats().salts.count == 1, "only the long answer reached the engine")
        // Audited as the client's doing, not the server's failure.
        let audit = try await http.call("GET", "/v1/admin/audit?team=acme/sales&limit=20", key: server.ownerKey)
        let flags = audit.data.compactMap { $0["flags"] as? [String] }.flatMap { $0 }
        #expect(flags.filter { $0 == "failed:499" }.count == 2 && !flags.contains("failed:500"), "\(flags)")
        let withdrawn = audit.data.filter {
            let flags = $0["flags"] as? [String] ?? []
            return flags.contains("stream.withdrawn") || flags.contains("request.withdrawn")
        }
        #expect(withdrawn.count == 2, "\(audit.body)")
        for record in withdrawn {
            #expect(record["prompt_tokens"] as? Int ?? 0 == 0 && record["completion_tokens"] as? Int ?? 0 == 0, "\(record)")
        }
        long.cancel()
    }

    @Test func anotherTeamIsServedAtOnceBesideAFloodWithItsOwnCacheSalt() async throws {
        // Two slots: one regular, one reserved for a team below its fair share.
        let engine = try await TestEngineProcess(slots: 2, tokensPerSecond: 40)
        let server = try await ServerProcess(
            upstream: engine.baseURL, extraArguments: ["--model", "test", "--upstream-concurrency", "2"])
        let http = LiveExchange(baseURL: server.baseURL)
        let owner = server.ownerKey
        let sue = try await http.member(owner: owner, org: "acme", team: "sales", user: "sue", role: "member")
        let dan = try await http.member(owner: owner, org: "acme", team: "development", user: "dan", role: "member")

        // Sales floods: six answers of 400 tokens (10 s each on the engine).
        let flood = (0..<6).map { _ in Task { try? await Self.chat(http, key: sue.key, tokens: 400, stream: true) } }
        defer { for task in flood { task.cancel() } }
        let deadline = ContinuousClock.now + .seconds(30)
        while try await engine.stats().running < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))  // the rest of the flood reaches the gateway's queue
        #expect(try await engine.stats().running == 1, "a team alone never takes the reserved slot")

        // Development's short question starts at once, in the reserve: it is answered while
        // no answer of the flood has finished (first come first served, it would wait for two).
        let answer = try await Self.chat(http, key: dan.key, tokens: 5)
        #expect(answer.status == 200, "\(answer.body)")
        let choices = answer.json["choices"] as? [[String: Any]]
        #expect((choices?.first?["message"] as? [String: Any])?["content"] as? String == "tok tok tok tok tok ")
        let stats = try await engine.stats()
        #expect(stats.served == 1, "only development's answer is done: \(stats.served)")

        // Each team's requests carry one salt of their own, which names no team.
        let salts = stats.salts.compactMap { $0 }
        #expect(salts.count == stats.salts.count && salts.count >= 2)
        #expect(Set(salts.dropLast()).count == 1, "every sales request has the same salt")
        #expect(salts.last != salts.first, "development's salt differs")
        let teams = try await http.call("GET", "/v1/admin/orgs/acme/teams", key: owner).data
        for team in teams {
            for field in ["id", "name"] {
                let value = try #require(team[field] as? String)
                #expect(!salts.contains { $0.contains(value) })
            }
        }

        // Readiness names the upstream (by model and position, never its address).
        let ready = try await http.call("GET", "/readyz")
        #expect(ready.status == 200 && ready.json["status"] as? String == "ready")
        let upstreams = ready.json["upstreams"] as? [[String: Any]]
        #expect(upstreams?.count == 1 && upstreams?.first?["up"] as? Bool == true && upstreams?.first?["model"] as? String == "test")
        #expect(!ready.body.contains(engine.baseURL) && !ready.body.contains(String(engine.port)))
        #expect(upstreams?.first?["in_flight"] == nil, "the open route shows no team's traffic")
        let metrics = try await http.call("GET", "/metrics", key: owner)
        #expect(metrics.body.contains(#"atrium_upstream_up{model="test",upstream="0"} 1"#), "\(metrics.body.prefix(400))")
        #expect(metrics.body.contains(#"atrium_scheduler_queued{model="test"}"#))
        #expect(metrics.body.contains(#"atrium_scheduler_capacity{model="test"} 2"#))

        // The engine dies: readiness says so.
        engine.stop()
        var notReady = try await http.call("GET", "/readyz")
        let readyDeadline = ContinuousClock.now + .seconds(20)
        while notReady.status == 200, ContinuousClock.now < readyDeadline {
            try await Task.sleep(for: .milliseconds(200))
            notReady = try await http.call("GET", "/readyz")
        }
        #expect(notReady.status == 503 && notReady.json["status"] as? String == "not_ready")
    }

    @Test func aTeamsWeightIsSetByTheOrgAdminShownInLimitsAndInMetrics() async throws {
        let engine = try await TestEngineProcess(slots: 4, tokensPerSecond: 400)
        let server = try await ServerProcess(upstream: engine.baseURL, extraArguments: ["--model", "test"])
        let http = LiveExchange(baseURL: server.baseURL)
        let owner = server.ownerKey
        let sam = try await http.member(owner: owner, org: "acme", team: "sales", user: "sam", role: "admin")
        #expect(try await http.call("GET", "/v1/admin/teams/acme%2Fsales/limits", key: owner).json["weight"] as? Double == 1)
        let set = try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/limits", key: owner, json: ["weight": 2.5])
        #expect(set.status == 200 && set.json["weight"] as? Double == 2.5, "\(set.body)")
        #expect(try await http.call("GET", "/v1/admin/teams/sales/limits", key: sam.key).json["weight"] as? Double == 2.5)
        let raise = try await http.call("PUT", "/v1/admin/teams/sales/limits", key: sam.key, json: ["weight": 100])
        #expect(raise.status == 403, "a team never raises its own share")
        for bad: Any in [0, -1, 1000, "heavy"] {
            let refused = try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/limits", key: owner, json: ["weight": bad])
            #expect(refused.status == 400, "\(bad): \(refused.body)")
        }
        #expect(try await Self.chat(http, key: sam.key, tokens: 3).status == 200)
        let metrics = try await http.call("GET", "/metrics", key: owner)
        let line = metrics.body.split(separator: "\n").first { $0.hasPrefix("atrium_team_weight{") }
        #expect(line?.hasSuffix(" 2.5") == true, "\(String(describing: line))")
        engine.stop()  // used here, so it lives to here (see TestEngineProcess)
    }
}
