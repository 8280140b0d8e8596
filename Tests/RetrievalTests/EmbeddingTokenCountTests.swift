import Foundation
import Testing
@testable import Retrieval

/// Ingestion and search report the WordPiece tokens they embedded, for the team's limits.
@Suite("Embedding token counts")
struct EmbeddingTokenCountTests {
    @Test("ingestion counts the tokens of every chunk it embedded, and none when nothing changed")
    func ingestionCountsItsTokens() async throws {
        let world = try await KnowledgeWorld.make()
        let knowledge = try world.knowledgeBase()
        let model = try #require(KnowledgeWorld.sharedEmbedder)
        _ = try await knowledge.createCollection(named: "handbook", in: world.sales)
        let upload = DocumentUpload(name: "refunds.md", data: Data("# Refunds\n\nRefunds take five days.".utf8), contentType: nil)
        let first = try await knowledge.ingestCounted(upload, into: "handbook", scope: world.sales)
        #expect(first.embeddedTokens == model.countTokens("Refunds\n\nRefunds take five days."))
        let again = try await knowledge.ingestCounted(upload, into: "handbook", scope: world.sales)
        #expect(again.embeddedTokens == 0)
        if case .unchanged = again.write {} else { Issue.record("re-ingesting the same bytes changed the document") }
    }

    @Test("a search counts its query's tokens; a bm25 search embeds nothing")
    func searchCountsItsQuery() async throws {
        let world = try await KnowledgeWorld.make()
        let knowledge = try world.knowledgeBase()
        let model = try #require(KnowledgeWorld.sharedEmbedder)
        _ = try await knowledge.createCollection(named: "handbook", in: world.sales)
        _ = try await knowledge.ingest(
            DocumentUpload(name: "a.txt", data: Data("Refunds take five days.".utf8), contentType: nil), into: "handbook",
            scope: world.sales)
        let query = "How long do refunds take?"
        let hybrid = try await knowledge.searchCounted(try SearchRequest(query: query, topK: 3), in: world.sales)
        #expect(hybrid.embeddedTokens == model.countTokens(query))
        #expect(hybrid.hits.count == 1)
        let bm25 = try await knowledge.searchCounted(try SearchRequest(query: query, topK: 3, mode: .bm25), in: world.sales)
        #expect(bm25.embeddedTokens == 0)
    }
}
