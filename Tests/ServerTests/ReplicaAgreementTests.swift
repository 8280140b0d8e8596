import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import Store
import Testing

/// Two replicas on one PostgreSQL database — each its own store, gateway, router, directory
/// cache, vector index and response cache, as two `atrium serve` processes have — agree: a
/// change made through replica 1 holds for the very next request through replica 2, with no
/// waiting (nothing is pushed to replica 2; it checks the database's versions itself).
@Suite struct ReplicaAgreementTests {
    struct Replicas: Sendable {
        let first: ServerWorld
        let second: ServerWorld
        /// What replica 2's model was asked.
        let secondBackend: ScriptedBackend
    }

    static var hello: [String: Any] {
        ["model": "test-model", "temperature": 0, "messages": [["role": "user", "content": "What is our refund window?"]]]
    }

    /// Both replicas' routers, the standard scenario built through replica 1.
    static func withReplicas(
        responseCache: Bool = false,
        _ body: @escaping @Sendable (Replicas, Scenario, HTTPCaller, HTTPCaller) async throws -> Void
    ) async throws {
        try await DatabaseCommandTests.withEmptyDatabase { url in
            let location = try #require(try PostgresLocation(url: url))
            let stores = (AtriumStore(postgres: location, poolSize: 4), AtriumStore(postgres: location, poolSize: 4))
            try await stores.0.migrate()
            func cache() -> ResponseCache { ResponseCache(configuration: responseCache ? .standard : .disabled) }
            let secondBackend = ScriptedBackend()
            let replicas = Replicas(
                first: try ServerWorld.make(responseCache: cache(), store: stores.0),
                second: try ServerWorld.make(backend: secondBackend, responseCache: cache(), store: stores.1),
                secondBackend: secondBackend)
            try await replicas.first.test { first in
                let scenario = try await Scenario.build(first, world: replicas.first)
                // One wall clock, as replicas share one time: the scenario moved replica 1's on.
                replicas.second.clock.advance(by: 120)
                try await replicas.second.test { second in try await body(replicas, scenario, first, second) }
            }
        }
    }

    @Test func aKeyRevokedThroughOneReplicaIsRefusedByTheOthersNextRequest() async throws {
        try await Self.withReplicas { _, keys, first, second async throws in
            let issued = try await first.call(.post, "/v1/admin/keys", key: keys["alice"], json: ["user": "bob", "team": "sales"])
            let key = try #require(issued.json["key"] as? String)
            let id = try #require(issued.json["id"] as? String)
            for _ in 0..<2 {  // the second answer comes from replica 2's directory cache
                #expect(try await second.call(.post, "/v1/chat/completions", key: key, json: Self.hello).status == 200)
            }
            #expect(try await first.call(.delete, "/v1/admin/keys/\(id)", key: keys["alice"]).status == 200)
            let refused = try await second.call(.post, "/v1/chat/completions", key: key, json: Self.hello)
            #expect(refused.status == 401 && refused.isOpenAIError, "\(refused.body)")
        }
    }

    @Test func aMemberRemovedThroughOneReplicaIsRefusedByTheOthersNextRequest() async throws {
        try await Self.withReplicas { _, keys, first, second async throws in
            #expect(try await second.call(.get, "/v1/collections", key: keys["vic"]).status == 200)
            let removed = try await first.call(.delete, "/v1/admin/teams/acme%2Fsales/members/vic", key: keys["alice"])
            #expect((200..<300).contains(removed.status), "\(removed.body)")
            #expect(try await second.call(.get, "/v1/collections", key: keys["vic"]).status == 401)
        }
    }

    @Test func aProfileSavedThroughOneReplicaShapesTheOthersNextAnswer() async throws {
        try await Self.withReplicas { replicas, keys, first, second async throws in
            #expect(try await second.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello).status == 200)
            let saved = try await first.call(
                .put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: ["system_prompt": "Answer as a pirate."])
            #expect(saved.status == 200, "\(saved.body)")
            #expect(try await second.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello).status == 200)
            let asked = replicas.secondBackend.requests
            #expect(asked.count == 2)
            #expect(asked.first?.messages.first?.content != "Answer as a pirate.")
            #expect(asked.last?.messages.first?.content == "Answer as a pirate.")
        }
    }

    @Test func limitsSetThroughOneReplicaAreAppliedByTheOther() async throws {
        try await Self.withReplicas { _, keys, first, second async throws in
            for _ in 0..<3 {
                #expect(try await second.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello).status == 200)
            }
            let set = try await first.call(
                .put, "/v1/admin/teams/acme%2Fsales/limits", key: keys["dave"], json: ["requests_per_minute": 1])
            #expect(set.status == 200, "\(set.body)")
            var statuses: [Int] = []
            for _ in 0..<2 {
                statuses.append(try await second.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello).status)
            }
            #expect(statuses.last == 429, "one request a minute, now on replica 2 as well: \(statuses)")
        }
    }

    @Test func aDocumentAddedThroughOneReplicaIsFoundThroughTheOtherAtOnce() async throws {
        try await Self.withReplicas { _, keys, first, second async throws in
            #expect(try await first.call(.post, "/v1/collections", key: keys["bob"], json: ["name": "handbook"]).status == 201)
            _ = try await first.call(
                .post, "/v1/collections/handbook/documents", key: keys["bob"],
                json: ["name": "travel.txt", "text": "Travel costs are booked through the office."])
            // Replica 2 loads the team's vectors now, before the next document exists.
            let before = try await second.call(
                .post, "/v1/collections/handbook/search", key: keys["bob"], json: ["query": "travel costs", "mode": "vector"])
            #expect(before.status == 200 && Self.names(before) == ["travel.txt"], "\(before.body)")

            let added = try await first.call(
                .post, "/v1/collections/handbook/documents", key: keys["bob"],
                json: ["name": "refunds.txt", "text": "Quokka refunds: the refund window lasts thirty days."])
            #expect(added.status == 201 || added.status == 200, "\(added.body)")
            for mode in ["vector", "bm25", "hybrid"] {
                let found = try await second.call(
                    .post, "/v1/collections/handbook/search", key: keys["bob"],
                    json: ["query": "quokka refund window", "mode": mode])
                #expect(found.status == 200 && Self.names(found).first == "refunds.txt", "\(mode): \(found.body)")
            }

            let documents = try await second.call(.get, "/v1/collections/handbook/documents", key: keys["bob"])
            let refunds = try #require(documents.data.first { $0["name"] as? String == "refunds.txt" }?["id"] as? String)
            #expect(try await first.call(.delete, "/v1/collections/handbook/documents/\(refunds)", key: keys["bob"]).status == 200)
            for mode in ["vector", "hybrid"] {
                let gone = try await second.call(
                    .post, "/v1/collections/handbook/search", key: keys["bob"],
                    json: ["query": "quokka refund window", "mode": mode])
                #expect(gone.status == 200 && !Self.names(gone).contains("refunds.txt"), "\(mode): \(gone.body)")
            }
        }
    }

    @Test func anAnswerCachedByOneReplicaIsNotServedAfterAChangeThroughTheOther() async throws {
        try await Self.withReplicas(responseCache: true) { _, keys, first, second async throws in
            func ask() async throws -> HTTPAnswer {
                let answer = try await second.call(.post, "/v1/chat/completions", key: keys["bob"], json: Self.hello)
                #expect(answer.status == 200, "\(answer.body)")
                return answer
            }
            // Sales' chats retrieve (answers of a team whose chats do not cannot depend on its
            // documents), from "manuals" only: the document below moves the team's knowledge
            // version without changing what the question retrieves.
            let retrieving: [String: Any] = ["retrieval": ["enabled": true, "collections": ["manuals"]]]
            #expect(try await first.call(.put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: retrieving).status == 200)
            _ = try await ask()
            #expect(try await ask().json["cached"] as? Bool == true, "replica 2 caches the deterministic answer")

            #expect(try await first.call(.post, "/v1/collections", key: keys["bob"], json: ["name": "handbook"]).status == 201)
            _ = try await first.call(
                .post, "/v1/collections/handbook/documents", key: keys["bob"],
                json: ["name": "refunds.txt", "text": "The refund window lasts thirty days."])
            #expect(try await ask().json["cached"] == nil, "a document added through replica 1 retires the answer")
            #expect(try await ask().json["cached"] as? Bool == true)

            _ = try await first.call(.put, "/v1/admin/teams/sales/profile", key: keys["alice"], json: ["system_prompt": "Be brief."])
            #expect(try await ask().json["cached"] == nil, "a profile saved through replica 1 retires the answer")
        }
    }

    static func names(_ answer: HTTPAnswer) -> [String] {
        (answer.json["results"] as? [[String: Any]] ?? []).compactMap { $0["document_name"] as? String }
    }
}
