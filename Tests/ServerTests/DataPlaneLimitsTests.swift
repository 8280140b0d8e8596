import AtriumTestSupport
import Foundation
import Hummingbird
import Server
import Testing

/// Team limits hold on every data-plane route, not only chat: embeddings, search, document
/// uploads and listings take a request of the team's rate, and the embedding model's tokens
/// count against its tokens per minute. Another team is untouched.
@Suite struct DataPlaneLimitsTests {
    @Test func everyDataPlaneRouteTakesFromTheRequestRate() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let bob = scenario["bob"]
            #expect(try await http.call(.post, "/v1/collections", key: bob, json: ["name": "notes"]).status == 201)
            let set = try await http.call(
                .put, "/v1/admin/teams/acme%2Fsales/limits", key: scenario["owner"], json: ["requests_per_minute": 4])
            #expect(set.status == 200)
            let calls: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.post, "/v1/embeddings", ["input": "one two three"]),
                (.post, "/v1/collections/notes/documents", ["name": "a.txt", "text": "Quarterly numbers."]),
                (.post, "/v1/collections/notes/search", ["query": "numbers"]),
                (.get, "/v1/collections", nil),
            ]
            for (method, path, body) in calls {
                let answer = try await http.call(method, path, key: bob, json: body)
                #expect((200..<300).contains(answer.status), "\(path): \(answer.status) \(answer.body)")
            }
            for (method, path, body) in calls + [(.get, "/v1/models", nil)] {
                let refused = try await http.call(method, path, key: bob, json: body)
                #expect(refused.status == 429, "\(path) past the rate: \(refused.status)")
                #expect(refused.errorCode == "requests_per_minute_exceeded", "\(refused.body)")
                #expect(refused.headers[.retryAfter] != nil)
            }
            // Another team's rate is its own.
            #expect(try await http.call(.post, "/v1/embeddings", key: scenario["carol"], json: ["input": "x"]).status == 200)
        }
        let refusals = try await world.auditRecords().filter { $0.reason == "requests_per_minute_exceeded" }
        #expect(refusals.count == 5, "every refusal is audited")
    }

    @Test func embeddedTokensCountAgainstTheTokenRate() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            try await Self.limitSales(tokensPerMinute: 20, http, scenario)
            let long = Array(repeating: "budget", count: 40).joined(separator: " ")
            let first = try await http.call(.post, "/v1/embeddings", key: scenario["bob"], json: ["input": long])
            #expect(first.status == 200, "a request is admitted while tokens remain: \(first.body)")
            let tokens = (first.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int ?? 0
            #expect(tokens > 20)
            let second = try await http.call(.post, "/v1/embeddings", key: scenario["bob"], json: ["input": "x"])
            #expect(second.status == 429 && second.errorCode == "tokens_per_minute_exceeded", "\(second.body)")
            let search = try await http.call(.post, "/v1/collections/any/search", key: scenario["bob"], json: ["query": "x"])
            #expect(search.status == 429, "the debt holds for search too")
            // Once a minute has refilled the bucket, the team is served again.
            world.clock.advance(by: 180)
            #expect(try await http.call(.post, "/v1/embeddings", key: scenario["bob"], json: ["input": "x"]).status == 200)
        }
    }

    /// An embeddings request reserves the most its inputs can cost before the model runs, so
    /// requests sent together cannot each take the whole token rate: a batch that could exceed
    /// what is left is refused without being embedded (a full bucket still takes any one).
    @Test func anEmbeddingsBatchReservesWhatItCanCostBeforeItRuns() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            try await Self.limitSales(tokensPerMinute: 600, http, scenario)
            // About 200 tokens: the bucket stays well short of full for 20 s of real time (the
            // test clock runs with the wall clock; a one-token request refilled within 0.1 s
            // and, on a loaded machine, let the batch find a full bucket).
            let first = Array(repeating: "revenue", count: 200).joined(separator: " ")
            #expect(try await http.call(.post, "/v1/embeddings", key: scenario["bob"], json: ["input": first]).status == 200)
            let paragraph = Array(repeating: "revenue", count: 40).joined(separator: " ")
            let batch = try await http.call(
                .post, "/v1/embeddings", key: scenario["bob"], json: ["input": Array(repeating: paragraph, count: 64)])
            #expect(batch.status == 429 && batch.errorCode == "tokens_per_minute_exceeded", "\(batch.body)")
            world.clock.advance(by: 180)
            let alone = try await http.call(
                .post, "/v1/embeddings", key: scenario["bob"], json: ["input": Array(repeating: paragraph, count: 64)])
            #expect(alone.status == 200, "a full bucket takes it, and is left in debt: \(alone.body)")
            #expect(try await http.call(.post, "/v1/embeddings", key: scenario["bob"], json: ["input": "x"]).status == 429)
        }
        let embedded = try await world.auditRecords().filter { $0.action == "embeddings" && $0.promptTokens > 0 }
        #expect(embedded.count == 2, "the refused batch was not embedded: \(embedded.map { $0.promptTokens })")
    }

    /// An upload reserves the most its new chunks can cost once it is chunked, before any is
    /// embedded: a team limited to 600 tokens a minute had one 57 KB upload charged 33,349
    /// tokens, and uploads sent together each passed (attack round 4). A full bucket still takes
    /// any one upload and is left in debt; one sent beside it is refused with nothing stored.
    @Test func anUploadReservesWhatItsChunksCanCostBeforeTheyAreEmbedded() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let bob = scenario["bob"]
            #expect(try await http.call(.post, "/v1/collections", key: bob, json: ["name": "notes"]).status == 201)
            try await Self.limitSales(tokensPerMinute: 600, http, scenario)
            let report = (0..<40).map { "Section \($0) of the quarterly report lists revenue, costs and the outlook for each region." }
                .joined(separator: "\n\n")
            // Sent together: both are admitted with the bucket full, and each reserves its chunks'
            // cost once chunked; the first takes the bucket (into debt), the other is refused.
            async let first = http.call(
                .post, "/v1/collections/notes/documents", key: bob, json: ["name": "q1.txt", "text": report])
            async let second = http.call(
                .post, "/v1/collections/notes/documents", key: bob,
                json: ["name": "q2.txt", "text": report.replacingOccurrences(of: "quarterly", with: "second")])
            let answers = try await [first, second]
            #expect(answers.map(\.status).sorted() == [201, 429], "\(answers.map(\.body))")
            #expect(answers.contains { $0.errorCode == "tokens_per_minute_exceeded" })
            let stored = answers[0].status == 201 ? "q1.txt" : "q2.txt", refused = stored == "q1.txt" ? "q2.txt" : "q1.txt"
            world.clock.advance(by: 3600)  // the debt repaid
            let listed = try await http.call(.get, "/v1/collections/notes/documents", key: bob)
            #expect(listed.status == 200 && listed.body.contains(stored) && !listed.body.contains(refused), "\(listed.body)")
        }
        let refused = try await world.auditRecords().filter { $0.reason == "tokens_per_minute_exceeded" }
        #expect(refused.count == 1 && refused[0].promptTokens == 0, "refused before anything was embedded")
    }


    /// Sets acme/sales' `tokens_per_minute` as the owner.
    static func limitSales(tokensPerMinute: Int, _ http: HTTPCaller, _ scenario: Scenario) async throws {
        let set = try await http.call(
            .put, "/v1/admin/teams/acme%2Fsales/limits", key: scenario["owner"], json: ["tokens_per_minute": tokensPerMinute])
        #expect(set.status == 200, "\(set.body)")
    }
}
