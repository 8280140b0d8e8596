import AsyncHTTPClient
import Foundation
import Synchronization
import Testing
@testable import Store

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of one of two replicas behind nginx in the middle of streams, chats and
/// ingestion: nothing that was acknowledged is lost, the other replica keeps serving, and the
/// audit chain verifies.
@Suite(.serialized) struct ReplicaCrashTests {
    /// What the clients were told, as they were told it.
    final class Acknowledged: Sendable {
        struct Document: Sendable {
            let id: String
            let name: String
            let chunks: Int
            let marker: String
        }

        struct Chat: Sendable {
            let requestID: String
            let completionTokens: Int
        }

        struct State {
            var documents: [Document] = []
            var chats: [Chat] = []
            /// Requests that got no 2xx, with when they were sent.
            var failures: [(sent: ContinuousClock.Instant, what: String)] = []
            var stopping = false
        }

        let state = Mutex(State())

        var stopping: Bool { state.withLock { $0.stopping } }
        var counts: (documents: Int, chats: Int) { state.withLock { ($0.documents.count, $0.chats.count) } }
    }

    @Test func killingAReplicaMidStreamAndMidIngestionLosesNothingAcknowledgedAndTheOtherKeepsServing() async throws {
        try await ReplicaSet.run { replicas in
            let http = replicas.http
            let (key, team) = try await replicas.salesKey(maxTokens: 400)
            let streams = GracefulShutdownTests.storyPrompts.map { prompt in
                StreamedChat.start(baseURL: replicas.nginx.baseURL, key: key, prompt: prompt, maxTokens: 400)
            }
            let acknowledged = Acknowledged()
            let lanes = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lane in 0..<2 {
                        group.addTask { try await Self.ingest(lane: lane, http: http, key: key, into: acknowledged) }
                        group.addTask { try await Self.chat(http: http, key: key, into: acknowledged) }
                    }
                    try await group.waitForAll()
                }
            }
            try await StreamedChat.waitUntilGenerating(streams)
            try await Self.waitFor(acknowledged, documents: 3, chats: 3)

            let killedAt = ContinuousClock.now
            let before = acknowledged.counts
            replicas.replicas[0].send(SIGKILL)
            try await Self.waitFor(acknowledged, documents: before.documents + 6, chats: before.chats + 6)
            acknowledged.state.withLock { $0.stopping = true }
            try await lanes.value

            // Streams the dead replica carried end without `[DONE]`; the others run to their end.
            var completed: [StreamedChat] = []
            var cut = 0
            for stream in streams {
                let text = (try? await stream.finished()) ?? stream.text
                if text.hasSuffix("data: [DONE]\n\n") { completed.append(stream) } else { cut += 1 }
            }
            #expect(cut >= 1 && !completed.isEmpty, "the kill cut \(cut) of \(streams.count) streams mid-answer")

            let state = acknowledged.state.withLock { $0 }
            // Requests sent once nginx had seen the replica fail all succeeded on the other one.
            let late = state.failures.filter { $0.sent > killedAt + .seconds(2) }
            #expect(late.isEmpty, "\(late.map(\.what))")

            // Every acknowledged document is there whole, and found by its words.
            let listed = try await http.call("GET", "/v1/collections/handbook/documents", key: key)
            let stored = Dictionary(
                (listed.json["data"] as? [[String: Any]] ?? []).compactMap { row in
                    (row["id"] as? String).map { ($0, row["chunks"] as? Int ?? -1) }
                }
            ) { first, _ in first }
            for document in state.documents {
                #expect(stored[document.id] == document.chunks, "\(document.name): \(listed.body.prefix(300))")
                let found = try await http.call(
                    "POST", "/v1/collections/handbook/search", key: key, json: ["query": document.marker, "mode": "bm25"])
                let first = (found.json["results"] as? [[String: Any]])?.first
                #expect(first?["document_id"] as? String == document.id, "\(document.name): \(found.body.prefix(300))")
            }

            // The surviving replica stops as an operator stops it; then every acknowledged
            // answer has its audit record and its usage.
            #expect(await replicas.replicas[1].stop() == 0)
            let store = AtriumStore(postgres: try #require(try PostgresLocation(url: replicas.database)), poolSize: 1)
            var recorded: [String: AuditRecord] = [:]
            var after: Int64 = 0
            while true {
                let page = try await store.audit.chain(after: after, limit: 1000)
                guard let last = page.last else { break }
                for record in page { if let id = record.requestID { recorded[id] = record } }
                after = last.id
            }
            let answered = state.chats + completed.compactMap { stream in
                stream.id.map { Acknowledged.Chat(requestID: $0, completionTokens: stream.completionTokens ?? 0) }
            }
            #expect(answered.count == state.chats.count + completed.count, "every stream carried its x-request-id")
            for chat in answered {
                let record = recorded[chat.requestID]
                #expect(record?.completionTokens == chat.completionTokens, "request \(chat.requestID) has its audit record")
            }
            let usage = try await store.backend.read { db in
                try db.fetchValue(
                    Int.self, "SELECT COALESCE(SUM(completion_tokens), 0)::bigint FROM usage_daily WHERE team_id = ?",
                    [team])
            }
            let acknowledgedTokens = answered.reduce(0) { $0 + $1.completionTokens }
            #expect((usage ?? 0) >= acknowledgedTokens, "usage holds every acknowledged answer's tokens")
            let verified = try await replicas.auditVerify()
            #expect(verified.status == 0 && verified.output.contains("audit chain intact"), "\(verified.output)")
        }
    }

    /// Adds small documents one after another until told to stop.
    static func ingest(lane: Int, http: LiveClient, key: String, into acknowledged: Acknowledged) async throws {
        var index = 0
        while !acknowledged.stopping {
            index += 1
            let marker = "quokka\(lane)x\(index)"
            let name = "note-\(lane)-\(index).md"
            let text = (0..<6).map { "Paragraph \($0) of note \(index) mentions the \(marker) and the weather." }
                .joined(separator: "\n\n")
            let sent = ContinuousClock.now
            do {
                let answer = try await http.call(
                    "POST", "/v1/collections/handbook/documents", key: key, json: ["name": name, "text": text])
                if (200..<300).contains(answer.status), let id = answer.json["id"] as? String,
                    let chunks = answer.json["chunks"] as? Int
                {
                    let document = Acknowledged.Document(id: id, name: name, chunks: chunks, marker: marker)
                    acknowledged.state.withLock { $0.documents.append(document) }
                } else {
                    acknowledged.state.withLock { $0.failures.append((sent, "add \(name): \(answer.status)")) }
                }
            } catch {
                acknowledged.state.withLock { $0.failures.append((sent, "add \(name): \(error)")) }
            }
        }
    }

    /// One-token chats one after another until told to stop.
    static func chat(http: LiveClient, key: String, into acknowledged: Acknowledged) async throws {
        var index = 0
        while !acknowledged.stopping {
            index += 1
            let sent = ContinuousClock.now
            do {
                let answer = try await http.call(
                    "POST", "/v1/chat/completions", key: key,
                    json: [
                        "model": "default", "max_tokens": 1,
                        "messages": [["role": "user", "content": "Short question \(index) \(UUID().uuidString)"]],
                    ])
                let tokens = (answer.json["usage"] as? [String: Any])?["completion_tokens"] as? Int
                if answer.status == 200, let id = answer.headers["x-request-id"], let tokens {
                    acknowledged.state.withLock { $0.chats.append(.init(requestID: id, completionTokens: tokens)) }
                } else {
                    acknowledged.state.withLock { $0.failures.append((sent, "chat: \(answer.status)")) }
                }
            } catch {
                acknowledged.state.withLock { $0.failures.append((sent, "chat: \(error)")) }
            }
        }
    }

    static func waitFor(_ acknowledged: Acknowledged, documents: Int, chats: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            let counts = acknowledged.counts
            if counts.documents >= documents && counts.chats >= chats { return }
            try #require(ContinuousClock.now < deadline, "acknowledged only \(counts), waiting for \(documents), \(chats)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
