import Foundation
import Store
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
        #expect(first.chargedTokens == model.countTokens("Refunds\n\nRefunds take five days."))
        let again = try await knowledge.ingestCounted(upload, into: "handbook", scope: world.sales)
        #expect(again.chargedTokens == 0)
        if case .unchanged = again.write {} else { Issue.record("re-ingesting the same bytes changed the document") }
    }

    /// Attack round 7: one paragraph 8,000 times stored 8,000 chunks for the tokens of one.
    /// Embedded once, each copy is still charged as the chunk is; a chunk kept from the
    /// document's previous version is not.
    @Test("a chunk given again in an upload is charged for each copy it stores")
    func copiesAreCharged() async throws {
        let world = try await KnowledgeWorld.make()
        let knowledge = try world.knowledgeBase()
        let model = try #require(KnowledgeWorld.sharedEmbedder)
        _ = try await knowledge.createCollection(named: "handbook", in: world.sales)
        let paragraph = String(repeating: "Refunds take five days to reach the card they were paid with. ", count: 8)
        let text = Array(repeating: paragraph, count: 12).joined(separator: "\n\n")
        let upload = DocumentUpload(name: "copies.txt", data: Data(text.utf8), contentType: nil)
        let ingested = try await knowledge.ingestCounted(upload, into: "handbook", scope: world.sales)
        let chunks = ingested.write.document.chunkCount
        #expect(chunks >= 12, "\(chunks)")
        // Whatever the chunker made of it, every stored chunk is charged its own tokens once.
        let stored = try await world.store.knowledge.chunkDrafts(of: ingested.write.document.id, in: world.sales)
        #expect(stored.count == chunks)
        let charged = stored.reduce(0) {
            $0 + min(model.countTokens(DocumentIngestor.embeddingText(headingPath: $1.headingPath, text: $1.text)), model.maxTokens)
        }
        #expect(ingested.chargedTokens == charged)
        // Edited at the end: the chunks kept from the previous version are free.
        let edited = DocumentUpload(name: "copies.txt", data: Data((text + "\n\nOne new line.").utf8), contentType: nil)
        let again = try await knowledge.ingestCounted(edited, into: "handbook", scope: world.sales)
        #expect(again.reusedChunks >= chunks - 1 && again.chargedTokens < ingested.chargedTokens / 4, "\(again.chargedTokens)")
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
