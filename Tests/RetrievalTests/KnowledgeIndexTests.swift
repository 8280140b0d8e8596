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

/// Replicas: a partition knows the knowledge version it holds, follows the changes that come
/// right after it, skips the ones its snapshot already holds, and is read again when a search
/// brings a newer version from the store (another process changed the team's documents).
@Suite struct KnowledgeIndexVersionTests {
    typealias Fixture = KnowledgeIndexTests

    static func added(_ id: Int64, version: Int, _ vector: [Float] = [1, 0]) -> KnowledgeChange {
        KnowledgeChange(
            removed: [], added: [StoredVector(chunkID: id, collectionID: Fixture.collection, embedding: vector)],
            version: version)
    }

    @Test func aPartitionBehindTheStoresVersionIsReadAgainBeforeTheSearch() async throws {
        let world = try await KnowledgeWorld.make()
        // Stands in for the store: what another process committed (rows) at which version.
        let stored = Mutex<(rows: [(Int64, [Float])], version: Int, loads: Int)>(([(1, [1, 0])], 3, 0))
        let index = KnowledgeIndex(dimensions: 2, versionedLoad: { _ in
            stored.withLock { state in
                state.loads += 1
                return (Fixture.rows(state.rows), state.version)
            }
        })
        func search(at version: Int?) async throws -> [Int64] {
            try await index.nearest(
                to: [1, 0], in: [Fixture.collection], limit: 5, minimum: -1, scope: world.sales, knowledgeVersion: version
            ).map(\.id)
        }
        #expect(try await search(at: 3) == [1])
        #expect(try await search(at: 3) == [1] && stored.withLock { $0.loads } == 1, "up to date: no second load")

        // This process's own change right after the partition's version: followed, no reload.
        index.apply(Self.added(2, version: 4, [0.8, 0.6]), to: world.sales)
        stored.withLock { $0 = ([(1, [1, 0]), (2, [0.8, 0.6])], 4, $0.loads) }
        #expect(try await search(at: 4) == [1, 2] && stored.withLock { $0.loads } == 1)

        // Another process removed chunk 1 (version 5): the next search reads the team again.
        stored.withLock { $0 = ([(2, [0.8, 0.6])], 5, $0.loads) }
        #expect(try await search(at: 5) == [2])
        #expect(stored.withLock { $0.loads } == 2)
    }

    @Test func aChangeTheLoadedSnapshotAlreadyHoldsIsSkipped() async throws {
        let world = try await KnowledgeWorld.make()
        // The snapshot (version 6) no longer has chunk 7, which version 5 added and 6 removed.
        let index = KnowledgeIndex(dimensions: 2, versionedLoad: { _ in (Fixture.rows([(1, [1, 0])]), 6) })
        #expect(try await index.nearest(to: [1, 0], in: [Fixture.collection], limit: 5, minimum: -1, scope: world.sales)
            .map(\.id) == [1])
        index.apply(Self.added(7, version: 5), to: world.sales)  // late: already superseded
        #expect(try await index.nearest(to: [1, 0], in: [Fixture.collection], limit: 5, minimum: -1, scope: world.sales)
            .map(\.id) == [1], "an older change never brings back what a later one removed")
    }

    @Test func afterAnotherProcessesChangeThePartitionStaysBehindUntilReadAgain() async throws {
        let world = try await KnowledgeWorld.make()
        let loads = Mutex(0)
        let index = KnowledgeIndex(dimensions: 2, versionedLoad: { _ in
            let load = loads.withLock { count in
                count += 1
                return count
            }
            // The second load sees versions 2 (another process: chunk 5) and 3 (this one: chunk 6).
            return load == 1 ? (Fixture.rows([(1, [1, 0])]), 1) : (Fixture.rows([(1, [1, 0]), (5, [1, 0]), (6, [1, 0])]), 3)
        })
        _ = try await index.nearest(to: [1, 0], in: [Fixture.collection], limit: 5, minimum: -1, scope: world.sales)
        index.apply(Self.added(6, version: 3), to: world.sales)  // version 2 never arrived here
        let hits = try await index.nearest(
            to: [1, 0], in: [Fixture.collection], limit: 5, minimum: -1, scope: world.sales, knowledgeVersion: 3)
        #expect(Set(hits.map(\.id)) == [1, 5, 6], "the gap is noticed and read again")
        #expect(loads.withLock { $0 } == 2)
    }
}
