import Store
import Synchronization
import Tenancy
import Testing
@testable import Retrieval

/// The index is partitioned by team: what one team added is unreachable from another's scope,
/// whatever vector or collection id it asks with.
@Suite struct KnowledgeIndexTests {
    static let collection = CollectionID(rawValue: "col_shared_looking")

    static func rows(_ vectors: [(Int64, [Float])]) -> [CollectionID: VectorRows] {
        var packed = VectorRows(dimensions: 2)
        for (id, vector) in vectors {
            packed.chunkIDs.append(id)
            packed.values += vector
        }
        return vectors.isEmpty ? [:] : [collection: packed]
    }

    @Test func developmentCannotSearchSalesVectors() async throws {
        let world = try await KnowledgeWorld.make()
        let sales = world.sales
        let index = KnowledgeIndex(dimensions: 2) { scope in
            scope.teamID == sales.teamID ? Self.rows([(1, [1, 0])]) : Self.rows([(2, [0, 1])])
        }
        let salesHits = try await index.nearest(to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: world.sales)
        let developmentHits = try await index.nearest(
            to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: world.development)
        #expect(salesHits.map(\.id) == [1])
        #expect(developmentHits.map(\.id) == [2], "the same query and collection id reach only the team's own vectors")

        index.apply(
            KnowledgeChange(removed: [], added: [StoredVector(chunkID: 3, collectionID: Self.collection, embedding: [1, 0])]),
            to: world.sales)
        #expect(try await index.nearest(to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: world.development)
            .map(\.id) == [2])
        #expect(try await index.nearest(to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: world.sales)
            .map(\.id) == [1, 3])
    }

    @Test func partitionsLoadLazilyOncePerTeam() async throws {
        let world = try await KnowledgeWorld.make()
        let loads = Mutex(0)
        let index = KnowledgeIndex(dimensions: 2) { _ in
            loads.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(20))
            return Self.rows([(1, [1, 0])])
        }
        #expect(index.loadedCount(for: world.sales) == nil)
        index.apply(KnowledgeChange(removed: [1], added: []), to: world.sales)  // not loaded: nothing to do
        async let first = index.nearest(to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: world.sales)
        async let second = index.nearest(to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: world.sales)
        _ = try await (first, second)
        #expect(loads.withLock { $0 } == 1)
        #expect(index.loadedCount(for: world.sales) == 1)
        #expect(index.loadedCount(for: world.development) == nil)
    }

    /// A change committed while the team's vectors load is applied once the load ends, whether
    /// or not the rows the load read already held it.
    @Test func changesCommittedDuringTheLoadAreNotLost() async throws {
        let world = try await KnowledgeWorld.make()
        let started = AsyncStream.makeStream(of: Void.self)
        let gate = AsyncStream.makeStream(of: Void.self)
        let index = KnowledgeIndex(dimensions: 2) { _ in
            started.continuation.yield()
            for await _ in gate.stream { break }
            return Self.rows([(1, [1, 0]), (2, [0.8, 0.6])])  // the load read chunk 2 already
        }
        let scope = world.sales
        let search = Task { try await index.nearest(to: [1, 0], in: [Self.collection], limit: 5, minimum: -1, scope: scope) }
        for await _ in started.stream { break }
        index.apply(
            KnowledgeChange(
                removed: [1],
                added: [
                    StoredVector(chunkID: 2, collectionID: Self.collection, embedding: [0.8, 0.6]),
                    StoredVector(chunkID: 3, collectionID: Self.collection, embedding: [0.6, 0.8]),
                ]), to: scope)
        gate.continuation.yield()
        #expect(try await search.value.map(\.id) == [2, 3])
    }
}
