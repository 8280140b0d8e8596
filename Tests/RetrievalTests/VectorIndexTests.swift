import Store
import Testing
@testable import Retrieval

/// The in-memory vector search against a brute-force reference.
@Suite struct VectorIndexTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    static func unitVectors(_ count: Int, dimensions: Int, seed: UInt64) -> [[Float]] {
        var generator = Generator(state: seed)
        return (0..<count).map { _ in
            let raw = (0..<dimensions).map { _ in Float.random(in: -1...1, using: &generator) }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return raw.map { $0 / norm }
        }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test func dotProductMatchesTheScalarSumForEveryLength() {
        for count in [1, 7, 15, 16, 17, 33, 384] {
            let vectors = Self.unitVectors(2, dimensions: count, seed: UInt64(count))
            let fast = vectors[0].withUnsafeBufferPointer { a in
                vectors[1].withUnsafeBufferPointer { b in VectorKernel.dot(a.baseAddress!, b.baseAddress!, count: count) }
            }
            #expect(abs(fast - Self.dot(vectors[0], vectors[1])) < 1e-5)
        }
    }

    @Test func nearestEqualsBruteForceAfterAddsAndRemoves() {
        let dimensions = 48
        let vectors = Self.unitVectors(600, dimensions: dimensions, seed: 7)
        let collection = CollectionID(rawValue: "col_a")
        let partition = TeamPartition(dimensions: dimensions, collections: [:])
        partition.apply(
            KnowledgeChange(
                removed: [],
                added: vectors.enumerated().map { StoredVector(chunkID: Int64($0), collectionID: collection, embedding: $1) }))
        let removed = Array(stride(from: Int64(0), to: 600, by: 3))
        partition.apply(KnowledgeChange(removed: removed, added: []))
        partition.apply(KnowledgeChange(removed: removed, added: []))  // twice: no effect
        #expect(partition.count == 400)
        for query in Self.unitVectors(5, dimensions: dimensions, seed: 99) {
            let expected = vectors.enumerated().filter { $0.offset % 3 != 0 }
                .map { (id: Int64($0.offset), score: Self.dot(query, $0.element)) }
                .sorted { $0.score > $1.score }.prefix(10).map(\.id)
            let found = partition.nearest(to: query, in: [collection], limit: 10, minimum: -1).map(\.id)
            #expect(found == Array(expected))
        }
    }

    @Test func similarityBelowTheMinimumIsNotAResult() {
        let collection = CollectionID(rawValue: "col_a")
        let partition = TeamPartition(dimensions: 2, collections: [:])
        partition.apply(
            KnowledgeChange(
                removed: [],
                added: [
                    StoredVector(chunkID: 1, collectionID: collection, embedding: [1, 0]),
                    StoredVector(chunkID: 2, collectionID: collection, embedding: [0, 1]),
                ]))
        #expect(partition.nearest(to: [1, 0], in: [collection], limit: 5, minimum: 0.2).map(\.id) == [1])
        #expect(partition.nearest(to: [1, 0], in: [CollectionID(rawValue: "col_other")], limit: 5, minimum: -1).isEmpty)
    }

    @Test func topScoresKeepsTheBestInOrder() {
        var top = TopScores(capacity: 3)
        for (id, score) in [(1, 0.1), (2, 0.9), (3, 0.5), (4, 0.7), (5, 0.2)] { top.offer(Float(score), id: Int64(id)) }
        #expect(top.sorted().map(\.id) == [2, 4, 3])
    }
}
