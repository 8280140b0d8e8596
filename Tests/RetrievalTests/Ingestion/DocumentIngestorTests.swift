import Foundation
import Testing

@testable import Retrieval

/// What the ingestor stores of a chunk: a NUL that a loader let through (text readers refuse
/// NUL bytes as binary; other formats could still decode one) becomes U+FFFD, because SQLite
/// and its full-text index would keep the text only up to it; and how many chunks a document
/// may make.
@Suite struct DocumentIngestorTests {
    @Test func aNULInAChunkIsStoredAsTheReplacementCharacterNotCutAtIt() {
        let chunk = TextChunk(index: 3, text: "before\u{0}after", headingPath: ["Head\u{0}ing", "Plain"])
        let stored = DocumentIngestor.withoutNUL(chunk)
        #expect(stored.text == "before\u{FFFD}after")
        #expect(stored.headingPath == ["Head\u{FFFD}ing", "Plain"])
        #expect(stored.index == 3)
        let clean = TextChunk(index: 0, text: "nothing to do", headingPath: [])
        #expect(DocumentIngestor.withoutNUL(clean) == clean)
    }

    /// A document that makes more chunks than one may hold is refused before anything is
    /// embedded or stored: every chunk is stored and indexed while repeats are embedded (and
    /// charged) once, so a 4 MB CSV repeating long column names made 118,750 chunks and 1.1 GB
    /// (attack round 4).
    @Test func aDocumentOfTooManyChunksIsRefusedBeforeItIsEmbedded() async throws {
        let world = try await KnowledgeWorld.make()
        let embedder = try #require(KnowledgeWorld.sharedEmbedder, "all-MiniLM-L6-v2 not fetched (scripts/fetch-models)")
        // Chunks of about four tokens, so that a small text makes more than the limit.
        let knowledge = KnowledgeBase(
            store: world.store, embeddings: EmbeddingQueue(embedder: embedder, modelID: "minilm-l6"),
            chunker: Chunker(targetTokens: 4))
        try await knowledge.createCollection(named: "handbook", in: world.sales)
        let paragraphs = (0...DocumentIngestor.maximumChunks).map { "Note \($0) here." }.joined(separator: "\n\n")
        let upload = DocumentUpload(name: "notes.txt", data: Data(paragraphs.utf8), contentType: "text/plain")
        await #expect(throws: LoadingError.tooManyChunks(fileName: "notes.txt", chunks: DocumentIngestor.maximumChunks + 1, limit: DocumentIngestor.maximumChunks)) {
            try await knowledge.ingestCounted(upload, into: "handbook", scope: world.sales)
        }
        #expect(try await knowledge.documents(in: "handbook", scope: world.sales).isEmpty)
    }
}
