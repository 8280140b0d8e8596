import AsyncHTTPClient
import Foundation
import Testing

/// The README's deployment for real: two `atrium serve` replicas (real models) on one
/// PostgreSQL database behind nginx configured by `deploy/nginx/atrium.conf`.
@Suite(.serialized) struct ReplicasBehindNginxTests {
    static func chat(_ index: Int, stream: Bool = false) -> [String: Any] {
        var body: [String: Any] = [
            "model": "default", "max_tokens": 1, "messages": [["role": "user", "content": "Question \(index % 40)"]],
        ]
        if stream { body["stream"] = true }
        return body
    }

    @Test func bothReplicasServeThroughNginxAndAThousandMixedRequestsLeaveOneVerifiableChain() async throws {
        try await ReplicaSet.run { replicas in
            let http = replicas.http
            let (key, _) = try await replicas.salesKey()
            let added = try await http.call(
                "POST", "/v1/collections/handbook/documents", key: key,
                json: ["name": "pricing.md", "text": "Nonprofits receive a forty percent discount on every Aurora plan."])
            #expect(added.status == 200 || added.status == 201, "\(added.body)")

            // Chat, streamed and not: nginx spreads it over both replicas.
            for index in 0..<4 {
                let answer = try await http.call("POST", "/v1/chat/completions", key: key, json: Self.chat(index))
                #expect(answer.status == 200, "\(answer.body)")
                let streamed = try await http.call(
                    "POST", "/v1/chat/completions", key: key, json: Self.chat(index, stream: true))
                #expect(streamed.status == 200)
                #expect(streamed.body.hasPrefix("data: {") && streamed.body.hasSuffix("data: [DONE]\n\n"), "\(streamed.body)")
            }
            let served = try await replicas.chatsServed()
            #expect(served.count == 2 && served.allSatisfy { $0 >= 1 } && served.reduce(0, +) == 8, "\(served)")

            // 1,000 mixed requests, eight at a time, through nginx: every one answered 2xx.
            let total = 1000
            let failures = try await withThrowingTaskGroup(of: [String].self) { group in
                for lane in 0..<8 {
                    group.addTask {
                        var failed: [String] = []
                        for index in stride(from: lane, to: total, by: 8) {
                            let (method, path, body, asOwner) = Self.mixed(index)
                            let answer = try await http.call(
                                method, path, key: asOwner ? ReplicaSet.ownerKey : key, json: body)
                            if !(200..<300).contains(answer.status) {
                                failed.append("\(method) \(path): \(answer.status) \(answer.body.prefix(200))")
                            }
                        }
                        return failed
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(10))")
            let after = try await replicas.chatsServed()
            #expect(zip(after, served).allSatisfy { $0 > $1 }, "both replicas served chats of the mix: \(served) → \(after)")

            // Stop both as an operator would, so every record is committed, then verify the one chain.
            for replica in replicas.replicas { #expect(await replica.stop() == 0) }
            let verified = try await replicas.auditVerify()
            #expect(verified.status == 0 && verified.output.contains("audit chain intact"), "\(verified.output)")
            let records = Self.recordCount(in: verified.output)
            #expect(records >= total + 20, "every request left its record: \(verified.output)")
        }
    }

    /// A document added through replica 1 is found through replica 2 at once: by its words
    /// (full-text search reads the shared tables).
    @Test func aDocumentAddedThroughOneReplicaIsFoundByItsWordsThroughTheOther() async throws {
        try await ReplicaSet.run { replicas in
            let (key, _) = try await replicas.salesKey()
            let added = try await replicas.replica(0).call(
                "POST", "/v1/collections/handbook/documents", key: key,
                json: ["name": "zephyr.md", "text": "The Zephyr release ships when the staging cluster passes the soak test."])
            #expect(added.status == 200 || added.status == 201, "\(added.body)")
            let id = try #require(added.json["id"] as? String)
            for mode in ["bm25", "hybrid"] {
                let found = try await replicas.replica(1).call(
                    "POST", "/v1/collections/handbook/search", key: key,
                    json: ["query": "When does the Zephyr release ship?", "mode": mode])
                #expect(found.status == 200, "\(found.body)")
                let results = found.json["results"] as? [[String: Any]] ?? []
                #expect(results.first?["document_id"] as? String == id, "\(mode): \(found.body)")
            }
        }
    }

    /// … and by its meaning: the other replica's in-memory vector index learns of it.
    @Test func aDocumentAddedThroughOneReplicaIsFoundByItsMeaningThroughTheOther() async throws {
        try await ReplicaSet.run { replicas in
            let (key, _) = try await replicas.salesKey()
            // The other replica has loaded its index (of an empty collection) before the add.
            let before = try await replicas.replica(1).call(
                "POST", "/v1/collections/handbook/search", key: key, json: ["query": "discount", "mode": "vector"])
            #expect(before.status == 200, "\(before.body)")
            let added = try await replicas.replica(0).call(
                "POST", "/v1/collections/handbook/documents", key: key,
                json: ["name": "pricing.md", "text": "Nonprofits receive a forty percent discount on every Aurora plan."])
            let id = try #require(added.json["id"] as? String, "\(added.body)")
            let found = try await replicas.replica(1).call(
                "POST", "/v1/collections/handbook/search", key: key,
                json: ["query": "price reduction for charities", "mode": "vector"])
            #expect(found.status == 200, "\(found.body)")
            let results = found.json["results"] as? [[String: Any]] ?? []
            #expect(results.first?["document_id"] as? String == id, "\(found.body)")
        }
    }

    /// Request `index` of the mix: chat (some streamed), embeddings, search, and reads of
    /// documents, models, audit, usage and keys. `asOwner`: sent with the owner's key.
    static func mixed(_ index: Int) -> (method: String, path: String, body: Any?, asOwner: Bool) {
        switch index % 10 {
        case 0, 1, 2: ("POST", "/v1/chat/completions", chat(index), false)
        case 3: ("POST", "/v1/chat/completions", chat(index, stream: true), false)
        case 4, 5: ("POST", "/v1/embeddings", ["model": "minilm-l6", "input": "Sentence number \(index)."], false)
        case 6, 7:
            ("POST", "/v1/collections/handbook/search", ["query": "discount for nonprofits \(index % 7)", "top_k": 3], false)
        case 8: ("GET", index % 20 == 8 ? "/v1/admin/audit?team=acme%2Fsales&limit=5" : "/v1/admin/usage?team=acme%2Fsales", nil, true)
        default:
            [
                ("GET", "/v1/collections/handbook/documents", nil, false), ("GET", "/v1/models", nil, false),
                ("GET", "/v1/admin/keys?team=acme%2Fsales", nil, true),
            ][(index / 10) % 3]
        }
    }

    /// N of `audit chain intact: N records`.
    static func recordCount(in output: String) -> Int {
        guard let range = output.range(of: "intact: ") else { return 0 }
        return Int(output[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}
