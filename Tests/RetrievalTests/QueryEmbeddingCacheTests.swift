import Foundation
import Testing
@testable import Retrieval

/// Query embeddings are cached per team: a team's repeated query skips the model, another
/// team's same query never reads, fills or evicts the first team's entries.
@Suite struct QueryEmbeddingCacheTests {
    @Test func salesHitsItsOwnEntryAndDevelopmentMisses() async throws {
        let world = try await KnowledgeWorld.make()
        let cache = QueryEmbeddingCache(entriesPerTeam: 4)
        cache.store([1, 0], for: "refund window", in: world.sales)
        #expect(cache.vector(for: "refund window", in: world.sales) == [1, 0])
        #expect(cache.vector(for: "refund window", in: world.development) == nil)
        #expect(cache.count(in: world.development) == 0)
    }

    @Test func anotherTeamsQueriesNeverEvictATeamsEntries() async throws {
        let world = try await KnowledgeWorld.make()
        let cache = QueryEmbeddingCache(entriesPerTeam: 2)
        cache.store([1], for: "a", in: world.sales)
        for index in 0..<50 { cache.store([Float(index)], for: "q\(index)", in: world.development) }
        #expect(cache.vector(for: "a", in: world.sales) == [1])
        #expect(cache.count(in: world.development) == 2)
    }

    @Test func theLeastRecentlyUsedEntryGoesFirst() async throws {
        let world = try await KnowledgeWorld.make()
        let cache = QueryEmbeddingCache(entriesPerTeam: 2)
        cache.store([1], for: "a", in: world.sales)
        cache.store([2], for: "b", in: world.sales)
        _ = cache.vector(for: "a", in: world.sales)
        cache.store([3], for: "c", in: world.sales)
        #expect(cache.vector(for: "a", in: world.sales) == [1])
        #expect(cache.vector(for: "b", in: world.sales) == nil)
        #expect(cache.vector(for: "c", in: world.sales) == [3])
        let long = String(repeating: "x", count: QueryEmbeddingCache.maximumQueryBytes + 1)
        cache.store([4], for: long, in: world.sales)
        #expect(cache.vector(for: long, in: world.sales) == nil, "a pasted page is not kept")
        let off = QueryEmbeddingCache(entriesPerTeam: 0)
        off.store([1], for: "a", in: world.sales)
        #expect(off.vector(for: "a", in: world.sales) == nil)
    }

    @Test func aRepeatedSearchEmbedsItsQueryOncePerTeam() async throws {
        let world = try await KnowledgeWorld.make()
        let knowledge = try world.knowledgeBase()
        for scope in [world.sales, world.development] {
            _ = try await knowledge.createCollection(named: "handbook", in: scope)
            _ = try await knowledge.ingest(
                DocumentUpload(name: "a.txt", data: Data("Refunds take five days.".utf8), contentType: nil), into: "handbook",
                scope: scope)
        }
        let request = try SearchRequest(query: "How long do refunds take?", topK: 3)
        let first = try await knowledge.searchCounted(request, in: world.sales)
        let again = try await knowledge.searchCounted(request, in: world.sales)
        let other = try await knowledge.searchCounted(request, in: world.development)
        #expect(first.embeddedTokens > 0 && again.embeddedTokens == 0, "the second search reads the team's cache")
        #expect(other.embeddedTokens == first.embeddedTokens, "another team's same query is its own miss")
        #expect(again.hits.map(\.chunk.id) == first.hits.map(\.chunk.id) && again.hits.map(\.score) == first.hits.map(\.score))
        #expect(other.hits.allSatisfy { $0.chunk.documentID != first.hits.first?.chunk.documentID })
    }
}
