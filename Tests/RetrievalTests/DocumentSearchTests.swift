import Foundation
import Store
import Testing
@testable import Retrieval

/// Searches that rank documents, and chunk searches that limit what one document contributes,
/// with the real all-MiniLM-L6-v2 and small chunks, so one long document has many chunks.
@Suite(.serialized) struct DocumentSearchTests {
    /// Six sections about platypus care: every section is a chunk, and each matches the query.
    static let careGuide = (1...6).map { section in
        """
        # Platypus care, part \(section)

        Platypus feeding happens at dusk: the platypus hunts worms and shrimp in shallow water, \
        and keepers check the platypus pond every evening (note \(section)).
        """
    }.joined(separator: "\n\n")

    static let documents = [
        "care-guide.md": careGuide,
        "platypus-diet.txt": "Platypus feeding: a grown platypus eats about a fifth of its weight every night.",
        "budget.txt": "The zoo's budget for the new reptile house was approved in March.",
    ]

    static func populated(_ backend: KnowledgeWorld.Backend = .sqlite) async throws -> (KnowledgeWorld, KnowledgeBase) {
        let world = try await KnowledgeWorld.make(backend)
        let embedder = try #require(KnowledgeWorld.sharedEmbedder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        let knowledge = KnowledgeBase(
            store: world.store, embeddings: EmbeddingQueue(embedder: embedder, modelID: "minilm-l6"),
            chunker: Chunker(targetTokens: 48, overlapTokens: 0, countTokens: { embedder.countTokens($0) }))
        _ = try await knowledge.createCollection(named: "zoo", in: world.sales)
        for (name, text) in documents.sorted(by: { $0.key < $1.key }) {
            _ = try await knowledge.ingest(DocumentUpload(name: name, data: Data(text.utf8), contentType: nil), into: "zoo", scope: world.sales)
        }
        return (world, knowledge)
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func aDocumentSearchNamesEachDocumentOnceWithItsBestChunks(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        let chunks = try await knowledge.search(try SearchRequest(query: "platypus feeding", topK: 4), in: world.sales)
        #expect(chunks.filter { $0.chunk.documentName == "care-guide.md" }.count >= 3, "the long document crowds chunk results")
        for mode in SearchMode.allCases {
            let found = try await knowledge.searchCounted(
                try SearchRequest(query: "platypus feeding", topK: 2, mode: mode, grouping: .document, chunksPerDocument: 2),
                in: world.sales)
            let names = found.documents.map(\.documentName)
            #expect(Set(names) == ["care-guide.md", "platypus-diet.txt"], "\(mode): \(names)")
            #expect(found.documents.allSatisfy { (1...2).contains($0.chunks.count) }, "\(mode)")
            #expect(found.documents.allSatisfy { document in document.chunks.allSatisfy { $0.chunk.documentID == document.documentID } })
            #expect(zip(found.documents, found.documents.dropFirst()).allSatisfy { $0.score >= $1.score }, "best first")
            #expect(found.hits == found.documents.flatMap(\.chunks))
        }
        let guide = try await knowledge.searchCounted(
            try SearchRequest(query: "platypus feeding", topK: 5, grouping: .document), in: world.sales)
        let careChunks = try #require(guide.documents.first { $0.documentName == "care-guide.md" }).chunks
        #expect(careChunks.count == SearchRequest.defaultChunksPerDocument)
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func aChunkSearchTakesAtMostTheLimitFromOneDocument(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        for mode in SearchMode.allCases {
            let hits = try await knowledge.search(
                try SearchRequest(query: "platypus feeding", topK: 4, mode: mode, chunksPerDocument: 1), in: world.sales)
            let documents = hits.map(\.chunk.documentID)
            #expect(Set(documents).count == documents.count, "\(mode): \(hits.map(\.chunk.documentName))")
            #expect(hits.contains { $0.chunk.documentName == "platypus-diet.txt" }, "\(mode)")
        }
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func developmentCannotFindSalesDocumentsByDocument(_ backend: KnowledgeWorld.Backend) async throws {
        let (world, knowledge) = try await Self.populated(backend)
        _ = try await knowledge.createCollection(named: "zoo", in: world.development)
        for mode in SearchMode.allCases {
            let found = try await knowledge.searchCounted(
                try SearchRequest(query: "platypus feeding", topK: 5, mode: mode, grouping: .document), in: world.development)
            #expect(found.documents.isEmpty && found.hits.isEmpty, "\(mode)")
        }
    }

    @Test(arguments: KnowledgeWorld.Backend.allCases) func aMatchInTheDocumentNameRanksFirstInBM25(_ backend: KnowledgeWorld.Backend) async throws {
        let world = try await KnowledgeWorld.make(backend)
        let knowledge = try world.knowledgeBase()
        _ = try await knowledge.createCollection(named: "wiki", in: world.sales)
        for (name, text) in [
            ("onboarding.txt", "New hires get a laptop and a badge. Ask about quarterly goals in the first week."),
            ("quarterly-goals.txt", "The team agrees on three measurable outcomes and reviews them every month."),
        ] {
            _ = try await knowledge.ingest(DocumentUpload(name: name, data: Data(text.utf8), contentType: nil), into: "wiki", scope: world.sales)
        }
        let found = try await knowledge.search(
            try SearchRequest(query: "quarterly goals", topK: 2, mode: .bm25, grouping: .document), in: world.sales)
        #expect(found.map(\.chunk.documentName) == ["quarterly-goals.txt", "onboarding.txt"], "the title counts")
    }

    @Test func documentRankingPlacesEachDocumentAtItsBestChunk() {
        let a = DocumentID(rawValue: "doc_a"), b = DocumentID(rawValue: "doc_b")
        let ranking = HybridSearcher.documentRanking(
            [(id: 1, score: 0.9), (id: 2, score: 0.8), (id: 3, score: 0.7), (id: 4, score: 0.6)],
            documentOf: [1: a, 2: a, 3: b])
        #expect(ranking.map(\.id) == [a, b], "chunk 4 was deleted meanwhile: no document")
        #expect(ranking.map(\.score) == [0.9, 0.7])
    }

    @Test func badLimitsAreRefused() {
        #expect(throws: KnowledgeError.self) { try SearchRequest(query: "x", topK: 3, chunksPerDocument: 0) }
        #expect(throws: KnowledgeError.self) { try SearchRequest(query: "x", topK: 3, chunksPerDocument: 51) }
        #expect(throws: KnowledgeError.self) { try SearchRequest(query: "x", topK: 3, chunksPerDocument: Int.max) }
    }
}
