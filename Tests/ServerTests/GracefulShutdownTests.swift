import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `atrium serve` with the real SmolLM2 stopped by SIGTERM while answers stream: the streams
/// finish, the process exits 0, and after a restart on the same ATRIUM_HOME every request's
/// audit record and usage are there and the chain verifies. The engine's gauges are scraped
/// from `/metrics` while it works.
@Suite(.serialized) struct GracefulShutdownTests {
    static let ownerKey = "atrium-owner-key-for-shutdown-tests"
    // Greedy answers that run to their 300-token limit, so the streams are still going when the
    // test, sharing two cores with the other suites, gets round to scraping and signalling (a
    // 122-token count once finished first). The grace is generous for the same reason.
    static let storyPrompts = ["lighthouse keeper", "glacier", "comet"].map { "Write a very long story about a \($0)." }

    static func modelArguments() throws -> [String] {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        return ["--model", model, "--threads", "2"]
    }

    /// Org acme, team sales with a system prompt, and a member key; returns (key, team id).
    static func salesKey(_ http: LiveClient, owner: String = ownerKey) async throws -> (key: String, team: String) {
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        let team = try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": "sales"])
        #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": "sam"]).status == 201)
        #expect(try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/members/sam", key: owner, json: ["role": "admin"]).status == 200)
        let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": "sam", "team": "acme/sales"])
        let key = try #require(issued.json["key"] as? String)
        let profile = try await http.call(
            "PUT", "/v1/admin/teams/sales/profile", key: key, json: ["system_prompt": "You are a patient assistant who counts."])
        #expect(profile.status == 200, "\(profile.body)")
        return (key, try #require(team.json["id"] as? String))
    }

    static func auditVerify(home: URL) async throws -> ProgramRun {
        try await ProgramRun.run([ServerProcess.binary.path, "audit", "verify"], environment: ["ATRIUM_HOME": home.path])
    }

    @Test func sigtermLetsStreamsFinishAndEveryRecordSurvivesARestart() async throws {
        let arguments = try Self.modelArguments() + ["--shutdown-grace-seconds", "150"]
        let environment = ["ATRIUM_ADMIN_KEY": Self.ownerKey]
        let server = try await ServerProcess(upstream: nil, extraArguments: arguments, environment: environment)
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let (key, team) = try await Self.salesKey(http)

        // A first answer stores the team's system prompt in the engine's prefix cache.
        let first = try await http.call(
            "POST", "/v1/chat/completions", key: key,
            json: ["model": "default", "max_tokens": 8, "messages": [["role": "user", "content": "Hello"]]])
        #expect(first.status == 200, "\(first.body)")

        let streams = Self.storyPrompts.map { prompt in
            StreamedChat.start(baseURL: server.baseURL, key: key, prompt: prompt, maxTokens: 300)
        }
        try await StreamedChat.waitUntilGenerating(streams)

        // The engine at work, as a scraper sees it.
        let scrape = try await http.call("GET", "/metrics", key: Self.ownerKey)
        #expect(scrape.status == 200)
        let metrics = try PrometheusText(scrape.body)
        #expect(metrics.value("atrium_batch_size") >= 1, "sequences in the last step")
        #expect(metrics.value("atrium_batch_tokens") >= 1)
        #expect(metrics.series("atrium_queue_depth").count == 1)
        #expect(metrics.value("atrium_kv_cache_bytes") > 0)
        #expect(metrics.value("atrium_kv_cache_allocated_bytes") > 0)
        #expect(metrics.value("atrium_kv_cache_budget_bytes") > 0)
        #expect(metrics.value("atrium_prefix_cache_misses_total") >= 1, "the first answer computed the system prompt")
        #expect(metrics.value("atrium_prefix_cache_hits_total") >= 1, "the streams reused it")
        #expect(metrics.value("atrium_time_to_first_token_seconds_count", ["team": team]) == 3)
        #expect(metrics.value("atrium_tokens_total", ["team": team, "kind": "completion"]) >= 1)
        #expect(metrics.value("atrium_requests_total", ["team": team, "route": "/v1/chat/completions", "status": "200"]) == 1)

        let inFlight = streams.filter { !$0.text.contains("[DONE]") }.count
        server.send(SIGTERM)
        var ids: [String: Int] = [:]
        for stream in streams {
            let text = try await stream.finished()
            #expect(text.hasSuffix("data: [DONE]\n\n"), "the stream completed: \(text.suffix(200))")
            #expect(text.contains(#""finish_reason":""#))
            let tokens = try #require(stream.completionTokens)
            ids[try #require(stream.id)] = tokens
        }
        #expect(inFlight >= 1, "the signal came while answers were streaming")
        #expect(await server.exitStatus(within: .seconds(180)) == 0, "\(server.log.suffix(2000))")
        #expect(server.log.contains("shutting down"))

        // A restart on the same home: the streams' records and usage are there.
        let restarted = try await ServerProcess(home: server.home, upstream: nil, extraArguments: arguments, environment: environment)
        let again = LiveClient(baseURL: restarted.baseURL, client: HTTPClient.shared)
        let audit = try await again.call("GET", "/v1/admin/audit?limit=1000", key: Self.ownerKey).data
        for (id, tokens) in ids {
            let record = try #require(audit.first { $0["request_id"] as? String == id }, "the record of stream \(id)")
            #expect(record["decision"] as? String == "allow" && record["action"] as? String == "chat")
            #expect(record["completion_tokens"] as? Int == tokens)
        }
        let usage = try await again.call("GET", "/v1/admin/usage", key: Self.ownerKey).data
        #expect(usage.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == 4, "the first answer and three streams")
        let streamedTokens = ids.values.reduce(0, +)
        #expect(usage.reduce(0) { $0 + ($1["completion_tokens"] as? Int ?? 0) } >= streamedTokens)
        #expect(await restarted.stop() == 0)
        let verify = try await Self.auditVerify(home: server.home)
        #expect(verify.status == 0 && verify.output.contains("intact"), "\(verify.output)")
    }

    @Test func answersBeyondTheGracePeriodAreCutOffWithAReasonAndStillRecorded() async throws {
        let arguments = try Self.modelArguments() + ["--shutdown-grace-seconds", "1"]
        let environment = ["ATRIUM_ADMIN_KEY": Self.ownerKey]
        let server = try await ServerProcess(upstream: nil, extraArguments: arguments, environment: environment)
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let (key, _) = try await Self.salesKey(http)
        let profile = try await http.call("PUT", "/v1/admin/teams/sales/profile", key: key, json: ["max_tokens": 1500])
        #expect(profile.status == 200, "\(profile.body)")

        // A non-streamed answer and a stream, both far from their ends when the grace is over
        // (the same greedy answer, which runs on well past it).
        let prompt = "Write a very long story about a lighthouse keeper."
        let whole = Task {
            try await http.call(
                "POST", "/v1/chat/completions", key: key,
                json: [
                    "model": "default", "max_tokens": 1500, "temperature": 0,
                    "messages": [["role": "user", "content": prompt]],
                ])
        }
        let long = StreamedChat.start(baseURL: server.baseURL, key: key, prompt: prompt, maxTokens: 1500)
        try await StreamedChat.waitUntilGenerating([long])
        let signalled = ContinuousClock.now
        server.send(SIGTERM)
        let text = (try? await long.finished()) ?? long.text
        #expect(!text.contains(#""finish_reason":"length""#), "cut off before its end")
        // Its client reads why, as the stream's last event, rather than a connection cut mid-chunk.
        #expect(text.contains("server_shutting_down"), "\(text.suffix(300))")
        // The non-streamed one gets an answer too: a 503 that says why, not a closed connection.
        let answer = try await whole.value
        #expect(answer.status == 503, "\(answer.body.suffix(300))")
        #expect(answer.json["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "server_shutting_down", "\(answer.body)")
        #expect(answer.headers["retry-after"] != nil)
        #expect(await server.exitStatus(within: .seconds(60)) == 0, "\(server.log.suffix(2000))")
        #expect(signalled.duration(to: .now) < .seconds(30), "the grace period bounds the stop")
        #expect(server.log.contains("did not finish within the grace period"))

        let id = try #require(long.id), wholeID = try #require(answer.headers["x-request-id"])
        let restarted = try await ServerProcess(home: server.home, upstream: nil, extraArguments: arguments, environment: environment)
        let again = LiveClient(baseURL: restarted.baseURL, client: HTTPClient.shared)
        let audit = try await again.call("GET", "/v1/admin/audit?limit=1000", key: Self.ownerKey).data
        #expect(audit.contains { $0["request_id"] as? String == id }, "the cut stream left its record")
        let wholeRecord = try #require(audit.first { $0["request_id"] as? String == wholeID }, "the cut answer left its record")
        #expect((wholeRecord["flags"] as? [String])?.contains("request.cancelled") == true, "\(wholeRecord)")
        #expect(wholeRecord["prompt_tokens"] as? Int ?? 0 > 0, "charged its prompt's estimate, never free")
        #expect(await restarted.stop() == 0)
        #expect(try await Self.auditVerify(home: server.home).status == 0)
    }
}
