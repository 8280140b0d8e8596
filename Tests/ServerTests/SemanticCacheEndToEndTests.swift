import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve` with the real SmolLM2 and all-MiniLM-L6-v2, over real HTTP: sales and
/// development both turn the semantic cache on with the same profile. Sales asks a question,
/// then a paraphrase of it — answered from sales' cache, flagged semantic in the body, the
/// header, the audit and the metrics; development asking the paraphrase right after gets no
/// hit; a question of another meaning misses; a profile change ends the hits.
@Suite(.serialized) struct SemanticCacheEndToEndTests {
    static let question = "What is the capital of France?"
    static let paraphrase = "what's the capital city of France?"
    static var profile: [String: Any] {
        [
            "system_prompt": "Answer in one short sentence.", "temperature": 0, "max_tokens": 24,
            "semantic_cache": ["enabled": true, "threshold": 0.9],
        ]
    }

    static func ask(_ http: LiveClient, _ key: String?, _ text: String, stream: Bool = false) async throws -> HTTPAnswerLive {
        try await http.call(
            "POST", "/v1/chat/completions", key: key,
            json: ["messages": [["role": "user", "content": text]], "stream": stream])
    }

    @Test func aParaphraseIsAnsweredFromTheTeamsOwnSemanticCacheOnly() async throws {
        let model = try #require(EmbeddedModelEndToEndTests.modelPath, "SmolLM2 not fetched (scripts/fetch-models)")
        let miniLM = try #require(KnowledgeEndToEndTests.miniLMFolder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        let server = try await ServerProcess(
            upstream: nil, extraArguments: ["--model", model, "--embedding-model", miniLM, "--threads", "2"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        var keys: [String: String] = [:]
        var teamIDs: [String: String] = [:]
        for (team, admin) in [("sales", "sam"), ("development", "dan")] {
            let created = try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": team])
            teamIDs[team] = created.json["id"] as? String
            #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": admin]).status == 201)
            #expect(try await http.call("PUT", "/v1/admin/teams/acme%2F\(team)/members/\(admin)", key: owner,
                                        json: ["role": "admin"]).status == 200)
            let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": admin, "team": "acme/\(team)"])
            keys[team] = try #require(issued.json["key"] as? String)
            let saved = try await http.call("PUT", "/v1/admin/teams/\(team)/profile", key: keys[team], json: Self.profile)
            let semantic = saved.json["semantic_cache"] as? [String: Any]
            #expect(saved.status == 200 && semantic?["active"] as? Bool == true, "\(saved.body)")
        }
        let sales = try #require(keys["sales"]), development = try #require(keys["development"])

        let first = try await Self.ask(http, sales, Self.question)
        #expect(first.status == 200 && first.json["cached"] == nil && first.headers["x-atrium-cache"] == nil, "\(first.body)")
        let second = try await Self.ask(http, sales, Self.paraphrase)
        #expect(second.json["cached"] as? Bool == true && second.headers["x-atrium-cache"] == "semantic", "\(second.body)")
        #expect(KnowledgeEndToEndTests.content(second) == KnowledgeEndToEndTests.content(first))
        #expect(!KnowledgeEndToEndTests.content(first).isEmpty)

        let otherTeam = try await Self.ask(http, development, Self.paraphrase)
        #expect(otherTeam.status == 200 && otherTeam.json["cached"] == nil && otherTeam.headers["x-atrium-cache"] == nil,
                "development never sees sales' answer: \(otherTeam.body)")

        let otherMeaning = try await Self.ask(http, sales, "How do I bake bread at home?")
        #expect(otherMeaning.status == 200 && otherMeaning.json["cached"] == nil, "\(otherMeaning.body)")

        // A profile change (the same settings saved again: a new version) ends the hits.
        #expect(try await http.call("PUT", "/v1/admin/teams/sales/profile", key: sales, json: Self.profile).status == 200)
        let afterChange = try await Self.ask(http, sales, Self.paraphrase)
        #expect(afterChange.status == 200 && afterChange.json["cached"] == nil, "\(afterChange.body)")

        // The answer generated under the new version serves the original wording, streamed.
        let streamed = try await Self.ask(http, sales, Self.question, stream: true)
        #expect(streamed.headers["x-atrium-cache"] == "semantic" && streamed.body.hasSuffix("data: [DONE]\n\n"))
        let chunks = streamed.body.split(separator: "\n\n").filter { $0.hasPrefix("data: {") }
        #expect(!chunks.isEmpty && chunks.allSatisfy { $0.contains(#""cached":true"#) }, "\(streamed.body)")

        var records: [[String: Any]] = []
        for _ in 0..<600 {  // up to ~30 s: the suites share two cores
            records = try await http.call("GET", "/v1/admin/audit?limit=100", key: owner).data
                .filter { $0["action"] as? String == "chat" }
            if records.count >= 6 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(records.count == 6)
        let hits = records.filter { $0["cache_hit"] as? Bool == true }
        #expect(hits.count == 2 && hits.allSatisfy { $0["team_id"] as? String == teamIDs["sales"] }, "\(hits)")

        let scrape = try PrometheusText(try await http.call("GET", "/metrics", key: owner).body)
        func count(_ name: String, _ labels: [String: String]) -> Double {
            scrape.samples.filter { sample in
                sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
            }.reduce(0) { $0 + $1.value }
        }
        let salesID = try #require(teamIDs["sales"]), developmentID = try #require(teamIDs["development"])
        #expect(count("atrium_response_cache_hits_total", ["team": salesID, "kind": "semantic"]) == 2)
        #expect(count("atrium_response_cache_hits_total", ["team": developmentID]) == 0)
        #expect(count("atrium_response_cache_misses_total", ["team": salesID]) == 3)
        #expect(await server.stop() == 0)
        #expect(!server.log.contains("capital"), "no question text in the process log")
    }
}
