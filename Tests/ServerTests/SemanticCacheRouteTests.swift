import Foundation
import Gateway
import Hummingbird
import Testing

/// `semantic_cache` in `PUT`/`GET …/profile` (validated with a 400 naming the field; the
/// answer says whether the setting works on this server) and a semantic hit on the data plane
/// (`"cached": true` and `x-atrium-cache: semantic`, as JSON and as a stream), with the
/// word-hash embedder of ``ServerWorld``.
@Suite struct SemanticCacheRouteTests {
    static var turnedOn: [String: Any] { ["temperature": 0, "semantic_cache": ["enabled": true, "threshold": 0.9]] }

    static func question(_ text: String, stream: Bool = false) -> [String: Any] {
        ["messages": [["role": "user", "content": text]], "stream": stream]
    }

    /// The `x-atrium-cache` header of an answer.
    static func cacheHeader(_ answer: HTTPAnswer) -> String? {
        answer.headers.first { $0.name.canonicalName == "x-atrium-cache" }?.value
    }

    /// `semantic_cache` of a profile answer: enabled, threshold, active, inactive_reason.
    static func semantic(_ answer: HTTPAnswer) -> (Bool?, Double?, Bool?, String?) {
        let object = answer.json["semantic_cache"] as? [String: Any] ?? [:]
        return (object["enabled"] as? Bool, object["threshold"] as? Double, object["active"] as? Bool, object["inactive_reason"] as? String)
    }

    static func cachedWorld() throws -> ServerWorld {
        try ServerWorld.make(
            responseCache: ResponseCache(configuration: try ResponseCacheConfiguration(timeToLive: .seconds(60), maximumBytes: 1 << 20)))
    }

    @Test func aBadThresholdIsRefusedNamingTheFieldAndSavesNothing() async throws {
        let world = try Self.cachedWorld()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            for threshold: Any in [0, -0.2, 1.5] {
                let refused = try await http.call(
                    .put, "/v1/admin/teams/sales/profile", key: keys["alice"],
                    json: ["semantic_cache": ["enabled": true, "threshold": threshold]])
                #expect(refused.status == 400 && refused.isOpenAIError, "\(refused.body)")
                #expect((refused.json["error"] as? [String: Any])?["param"] as? String == "semantic_cache.threshold")
                #expect(refused.errorMessage?.contains("semantic_cache.threshold") == true, "\(refused.body)")
            }
            for malformed: Any in [["enabled": "yes"], ["threshold": "high"], "on"] {
                let refused = try await http.call(
                    .put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: ["semantic_cache": malformed])
                #expect(refused.status == 400 && refused.isOpenAIError, "\(refused.body)")
            }
            let profile = try await http.call(.get, "/v1/admin/teams/sales/profile", key: keys["alice"])
            #expect(profile.json["version"] as? Int == 0, "nothing was saved")
        }
    }

    @Test func theProfileSaysWhetherTheSemanticCacheIsActiveHere() async throws {
        let cached = try Self.cachedWorld()
        try await cached.test { http in
            let keys = try await Scenario.build(http, world: cached)
            let off = try await http.call(.get, "/v1/admin/teams/sales/profile", key: keys["alice"])
            #expect(Self.semantic(off) == (false, 0.9, false, nil), "\(off.body)")
            let saved = try await http.call(.put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: Self.turnedOn)
            #expect(saved.status == 200 && saved.json["version"] as? Int == 1, "\(saved.body)")
            #expect(Self.semantic(saved) == (true, 0.9, true, nil), "\(saved.body)")
            let read = try await http.call(.get, "/v1/admin/teams/sales/profile", key: keys["alice"])
            #expect(Self.semantic(read) == (true, 0.9, true, nil), "\(read.body)")

            // What GET answers can be saved back as it is (the read-only fields are ignored).
            let back = try await http.call(.put, "/v1/admin/teams/sales/profile", key: keys["alice"], raw: read.body)
            #expect(back.status == 200 && back.json["version"] as? Int == 2, "\(back.body)")
        }

        let uncached = try ServerWorld.make()
        try await uncached.test { http in
            let keys = try await Scenario.build(http, world: uncached)
            let saved = try await http.call(.put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: Self.turnedOn)
            let (enabled, _, active, reason) = Self.semantic(saved)
            #expect(saved.status == 200 && enabled == true && active == false)
            #expect(reason?.contains("response cache is off") == true, "\(saved.body)")
        }
    }

    @Test func aParaphraseIsServedFromTheTeamsCacheWithTheSemanticHeader() async throws {
        let world = try Self.cachedWorld()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            for (team, admin) in [("sales", "alice"), ("development", "carol")] {
                let saved = try await http.call(.put, "/v1/admin/teams/\(team)/profile", key: keys[admin], json: Self.turnedOn)
                #expect(saved.status == 200)
            }
            let first = try await http.call(
                .post, "/v1/chat/completions", key: keys["bob"], json: Self.question("What is the capital of France?"))
            #expect(first.status == 200 && first.json["cached"] == nil && Self.cacheHeader(first) == nil)

            let paraphrase = Self.question("What is the capital of France, please?")
            let second = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: paraphrase)
            #expect(second.json["cached"] as? Bool == true && Self.cacheHeader(second) == "semantic", "\(second.body)")
            let exact = try await http.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.question("What is the capital of France?"))
            #expect(Self.cacheHeader(exact) == "exact")

            let streamed = try await http.call(
                .post, "/v1/chat/completions", key: keys["vic"], json: Self.question("What is the capital of France, please?", stream: true))
            #expect(Self.cacheHeader(streamed) == "semantic")
            let chunks = streamed.body.split(separator: "\n\n").filter { $0.hasPrefix("data: {") }
            #expect(!chunks.isEmpty && chunks.allSatisfy { $0.contains(#""cached":true"#) }, "\(streamed.body)")

            let query = try await http.call(.post, "/query", key: keys["bob"], json: ["prompt": "What is the capital of France, please?", "temperature": 0])
            #expect(Self.cacheHeader(query) == "semantic", "\(query.body)")

            let development = try await http.call(.post, "/v1/chat/completions", key: keys["carol"], json: paraphrase)
            #expect(development.status == 200 && development.json["cached"] == nil && Self.cacheHeader(development) == nil)
        }
        let hits = try await world.auditRecords().filter { $0.action == "chat" && $0.cacheHit }
        #expect(hits.count == 4, "every hit is audited as one")
    }
}
