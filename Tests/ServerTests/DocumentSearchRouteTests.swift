import AtriumTestSupport
import Foundation
import Testing

/// `"group_by": "document"` on the search route, `chunks_per_document` on the search route and
/// in the team profile's retrieval settings, and what chat retrieval takes from one document.
@Suite struct DocumentSearchRouteTests {
    /// Five sections about platypus feeding: five chunks of one document.
    static let guide = (1...5).map { "# Platypus care \($0)\n\nPlatypus feeding happens at dusk, note \($0)." }
        .joined(separator: "\n\n")

    static func results(_ answer: HTTPAnswer) -> [[String: Any]] {
        answer.json["results"] as? [[String: Any]] ?? []
    }

    /// Sales' collection `zoo` with the guide and a one-chunk document.
    static func populate(_ http: HTTPCaller, _ keys: Scenario) async throws {
        _ = try await http.call(.post, "/v1/collections", key: keys["bob"], json: ["name": "zoo"])
        for (name, text) in [("guide.md", guide), ("diet.txt", "Platypus feeding: a platypus eats worms every night.")] {
            let added = try await http.call(
                .post, "/v1/collections/zoo/documents", key: keys["bob"], json: ["name": name, "text": text])
            #expect(added.status == 201, "\(added.body)")
        }
    }

    @Test func aSearchGroupedByDocumentAnswersEachDocumentOnceWithItsChunks() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            try await Self.populate(http, keys)
            let grouped = try await http.call(
                .post, "/v1/collections/zoo/search", key: keys["vic"],
                json: ["query": "platypus feeding", "group_by": "document", "top_k": 2, "chunks_per_document": 2])
            #expect(grouped.status == 200 && grouped.json["group_by"] as? String == "document", "\(grouped.body)")
            let documents = Self.results(grouped)
            #expect(Set(documents.compactMap { $0["document_name"] as? String }) == ["guide.md", "diet.txt"], "\(grouped.body)")
            for document in documents {
                let chunks = document["chunks"] as? [[String: Any]] ?? []
                #expect((1...2).contains(chunks.count) && document["score"] is Double && document["document_id"] is String)
                #expect(chunks.allSatisfy { $0["chunk"] is Int && $0["text"] is String && $0["score"] is Double })
            }
            #expect((documents.first { $0["document_name"] as? String == "guide.md" }?["chunks"] as? [Any])?.count == 2)

            let plain = try await http.call(
                .post, "/v1/collections/zoo/search", key: keys["vic"], json: ["query": "platypus feeding", "top_k": 5])
            #expect(plain.json["group_by"] as? String == "chunk")
            #expect(Self.results(plain).filter { $0["document_name"] as? String == "guide.md" }.count >= 3, "\(plain.body)")
            let limited = try await http.call(
                .post, "/v1/collections/zoo/search", key: keys["vic"],
                json: ["query": "platypus feeding", "top_k": 5, "chunks_per_document": 1])
            let names = Self.results(limited).compactMap { $0["document_name"] as? String }
            #expect(names.sorted() == ["diet.txt", "guide.md"], "\(limited.body)")
            // A field search does not know is refused by name, not ignored (the client would
            // believe it had filtered).
            let filtered = try await http.call(
                .post, "/v1/collections/zoo/search", key: keys["vic"],
                json: ["query": "platypus feeding", "filter": ["team": "dev"]])
            #expect(filtered.status == 400 && filtered.body.contains("filter"), "\(filtered.body)")

            let records = try await world.auditRecords()
            // The grouped search's audit names every chunk it returned.
            let counts = records.filter { $0.action == "search" && $0.query == "platypus feeding" }.map(\.sources.count)
            let returned = documents.reduce(0) { $0 + (($1["chunks"] as? [Any])?.count ?? 0) }
            #expect(counts.count == 3 && counts.contains(returned), "\(counts) \(returned)")
        }
    }

    @Test func developmentCannotSearchSalesDocumentsGroupedByDocument() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            try await Self.populate(http, keys)
            _ = try await http.call(.post, "/v1/collections", key: keys["carol"], json: ["name": "zoo"])
            for mode in ["hybrid", "bm25", "vector"] {
                let other = try await http.call(
                    .post, "/v1/collections/zoo/search", key: keys["carol"],
                    json: ["query": "platypus feeding", "group_by": "document", "mode": mode])
                #expect(other.status == 200 && Self.results(other).isEmpty, "\(mode): \(other.body)")
            }
        }
    }

    @Test func groupingInputIsChecked() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            _ = try await http.call(.post, "/v1/collections", key: keys["bob"], json: ["name": "zoo"])
            let bodies: [[String: Any]] = [
                ["query": "x", "group_by": "magic"], ["query": "x", "group_by": 3], ["query": "x", "chunks_per_document": 0],
                ["query": "x", "chunks_per_document": 51], ["query": "x", "chunks_per_document": 1.5],
                ["query": "x", "group_by": "document", "chunks_per_document": -1],
                ["query": "x", "chunks_per_document": 99_999_999_999_999_999],
            ]
            for body in bodies {
                let answer = try await http.call(.post, "/v1/collections/zoo/search", key: keys["vic"], json: body)
                #expect(answer.status == 400 && answer.isOpenAIError, "\(body): \(answer.body)")
            }
        }
    }

    @Test func chatTakesAtMostTheProfilesChunksPerDocument() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let keys = try await Scenario.build(http, world: world)
            try await Self.populate(http, keys)
            let path = "/v1/admin/teams/acme%2Fsales/profile"
            let refused = try await http.call(
                .put, path, key: keys["alice"], json: ["retrieval": ["enabled": true, "top_k": 4, "chunks_per_document": 0]])
            #expect(refused.status == 400 && refused.isOpenAIError, "\(refused.body)")
            let question: [String: Any] = ["messages": [["role": "user", "content": "When does platypus feeding happen?"]]]
            // One chunk of a document: both documents are cited. Four (= top_k, no cap): the long guide crowds in.
            for (limit, check) in [(1, { (guideSources: Int) in guideSources == 1 }), (4, { $0 >= 2 })] {
                let saved = try await http.call(
                    .put, path, key: keys["alice"],
                    json: ["retrieval": ["enabled": true, "top_k": 4, "chunks_per_document": limit]])
                #expect(saved.status == 200, "\(saved.body)")
                let profile = try await http.call(.get, path, key: keys["alice"])
                #expect((profile.json["retrieval"] as? [String: Any])?["chunks_per_document"] as? Int == limit, "\(profile.body)")
                let answer = try await http.call(.post, "/v1/chat/completions", key: keys["vic"], json: question)
                let sources = (answer.json["sources"] as? [[String: Any]] ?? []).compactMap { $0["document_name"] as? String }
                #expect(answer.status == 200 && check(sources.filter { $0 == "guide.md" }.count), "limit \(limit): \(sources)")
                if limit == 1 { #expect(sources.contains("diet.txt"), "limit \(limit): \(sources)") }
            }
        }
    }
}
