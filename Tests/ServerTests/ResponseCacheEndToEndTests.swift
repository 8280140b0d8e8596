import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// `atrium serve` (default response cache) in front of the mock upstream, over real HTTP:
/// the second identical deterministic request says `"cached": true` — as JSON and as a
/// stream — and is audited as a cache hit; another team asking the same is not.
@Suite(.serialized) struct ResponseCacheEndToEndTests {
    @Test func theSecondIdenticalRequestIsAnsweredFromTheTeamsCache() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        var keys: [String: String] = [:]
        for (team, user) in [("sales", "sue"), ("development", "dora")] {
            #expect(try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": team]).status == 201)
            #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": user]).status == 201)
            #expect(try await http.call("PUT", "/v1/admin/teams/acme%2F\(team)/members/\(user)", key: owner,
                                        json: ["role": "admin"]).status == 200)
            let issued = try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": user, "team": "acme/\(team)"])
            keys[team] = try #require(issued.json["key"] as? String)
        }
        let question: [String: Any] = [
            "model": "mock", "temperature": 0, "messages": [["role": "user", "content": "What do we sell?"]],
        ]

        let first = try await http.call("POST", "/v1/chat/completions", key: keys["sales"], json: question)
        let second = try await http.call("POST", "/v1/chat/completions", key: keys["sales"], json: question)
        #expect(first.status == 200 && second.status == 200, "\(first.body) \(second.body)")
        #expect(first.json["cached"] == nil, "only a cached answer says so")
        #expect(second.json["cached"] as? Bool == true)
        #expect(Self.content(of: second) == Self.content(of: first) && Self.content(of: first) == "Hello from the mock upstream.")

        var streamed = question
        streamed["stream"] = true
        let stream = try await http.call("POST", "/v1/chat/completions", key: keys["sales"], json: streamed)
        #expect(stream.status == 200 && stream.body.hasSuffix("data: [DONE]\n\n"))
        let chunks = stream.body.split(separator: "\n\n").filter { $0.hasPrefix("data: {") }
        #expect(chunks.count >= 3 && chunks.allSatisfy { $0.contains(#""cached":true"#) }, "\(stream.body)")
        #expect(stream.body.contains(#""content":"Hello from the mock upstream.""#))

        let otherTeam = try await http.call("POST", "/v1/chat/completions", key: keys["development"], json: question)
        #expect(otherTeam.status == 200 && otherTeam.json["cached"] == nil, "another team never gets sales' answer")

        var records: [[String: Any]] = []
        for _ in 0..<600 {  // up to ~30 s: the suites share two cores
            records = try await http.call("GET", "/v1/admin/audit?limit=100", key: owner).data
                .filter { $0["action"] as? String == "chat" }
            if records.count >= 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(records.count == 4)
        #expect(records.filter { $0["cache_hit"] as? Bool == true }.count == 2)
        let usage = try await http.call("GET", "/v1/admin/usage?team=acme/sales", key: keys["sales"]).data
        #expect(usage.first?["cache_hits"] as? Int == 2, "\(usage)")
        #expect(await server.stop() == 0)
    }

    @Test func aZeroByteCapTurnsTheCacheOff() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(upstream: mock.baseURL, extraArguments: ["--model", "mock", "--response-cache-bytes", "0"])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        let owner = server.ownerKey
        #expect(try await http.call("POST", "/v1/admin/orgs", key: owner, json: ["name": "acme"]).status == 201)
        #expect(try await http.call("POST", "/v1/admin/orgs/acme/teams", key: owner, json: ["name": "sales"]).status == 201)
        #expect(try await http.call("POST", "/v1/admin/users", key: owner, json: ["name": "sue"]).status == 201)
        #expect(try await http.call("PUT", "/v1/admin/teams/acme%2Fsales/members/sue", key: owner, json: ["role": "member"]).status == 200)
        let key = try #require(try await http.call("POST", "/v1/admin/keys", key: owner, json: ["user": "sue", "team": "acme/sales"])
            .json["key"] as? String)
        let question: [String: Any] = ["model": "mock", "seed": 7, "messages": [["role": "user", "content": "Hi"]]]
        _ = try await http.call("POST", "/v1/chat/completions", key: key, json: question)
        let again = try await http.call("POST", "/v1/chat/completions", key: key, json: question)
        #expect(again.status == 200 && again.json["cached"] == nil)
        #expect(await server.stop() == 0)
    }

    static func content(of answer: HTTPAnswerLive) -> String? {
        let choice = (answer.json["choices"] as? [[String: Any]])?.first
        return (choice?["message"] as? [String: Any])?["content"] as? String
    }
}
