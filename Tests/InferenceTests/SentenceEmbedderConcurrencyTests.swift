import Testing
@testable import Inference

/// One embedder serves concurrent callers: each call has its own buffers.
@Suite struct SentenceEmbedderConcurrencyTests {
    @Test func concurrentCallsMatchSequentialOnes() async throws {
        let embedder = try SentenceEmbedder(folder: Fixtures.miniLMFolderPath, threads: 2)
        let texts = (0..<8).map { "Request \($0): how do I copy a folder with its permissions on Linux?" + String(repeating: " more", count: $0 * 7) }
        let sequential = try texts.map { try embedder.embed([$0])[0] }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try embedder.embed([text])[0]) }
            }
            var results = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { results[index] = vector }
            return results
        }
        #expect(concurrent == sequential)
    }
}
