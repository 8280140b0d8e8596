import Foundation
import Inference
import Testing
@testable import Retrieval

/// Not a test: a measurement, run on demand with the real MiniLM.
///
///     ATRIUM_EMBEDDING_BENCH=1 swift test -c release -Xswiftc -enable-testing --skip-build \
///         --filter EmbeddingFairnessBenchmark
///
/// Team development's search latency (median of its searches) idle, then while team sales
/// embeds two 256-input batches, with the queue's passes of 256 tokens and with passes so
/// large that each request is one pass (the behaviour before issue 12: one serial queue).
@Suite("EmbeddingFairnessBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["ATRIUM_EMBEDDING_BENCH"] != nil))
struct EmbeddingFairnessBenchmark {
    @Test("search latency of one team, idle and under another team's bulk embedding")
    func searchLatencyUnderBulkEmbedding() async throws {
        let model = try #require(KnowledgeWorld.sharedEmbedder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        let single = try #require(KnowledgeWorld.miniLMFolder.map { try SentenceEmbedder(folder: $0, threads: 1) })
        for (passTokens, queryModel) in [(256, single), (256, nil), (1 << 30, nil)] as [(Int, SentenceEmbedder?)] {
            let world = try await KnowledgeWorld.make()
            let knowledge = KnowledgeBase(
                store: world.store,
                embeddings: EmbeddingQueue(
                    embedder: model, modelID: "minilm-l6", passTokens: passTokens, queryEmbedder: queryModel))
            _ = try await knowledge.createCollection(named: "handbook", in: world.development)
            for (name, text) in KnowledgeBaseTests.developmentDocuments {
                _ = try await knowledge.ingest(KnowledgeBaseTests.upload(name, text), into: "handbook", scope: world.development)
            }
            let request = try SearchRequest(query: "How do deployments get approved?", topK: 4)
            _ = try await knowledge.search(request, in: world.development)  // warm
            var idle: [Double] = []
            for _ in 0..<20 { idle.append(try await Self.seconds { _ = try await knowledge.search(request, in: world.development) }) }

            let inputs = (0..<256).map { "Sales note \($0): the Aurora Plus plan renews annually and refunds follow the policy." }
            let busy = Task {
                try await Self.seconds {
                    async let first = knowledge.embeddings.embed(inputs, for: world.sales, lane: .interactive)
                    async let second = knowledge.embeddings.embed(inputs.reversed(), for: world.sales, lane: .interactive)
                    _ = try await (first, second)
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            var loaded: [Double] = []
            for _ in 0..<10 { loaded.append(try await Self.seconds { _ = try await knowledge.search(request, in: world.development) }) }
            let bulk = try await busy.value
            print(String(
                format: "query embedder %@, passTokens=%@: idle median %.1f ms; under bulk median %.1f ms (max %.1f ms, %.2f× idle); bulk 2×256 took %.2f s",
                queryModel == nil ? "none" : "1 thread", passTokens < 1 << 30 ? "\(passTokens)" : "unlimited (one pass per request)",
                Self.median(idle) * 1000, Self.median(loaded) * 1000, loaded.max()! * 1000,
                Self.median(loaded) / Self.median(idle), bulk))
        }
    }

    static func seconds(_ work: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await work()
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
