import Foundation
import Store
import Tenancy

/// Turns an upload into stored knowledge: load → chunk (counting tokens with the embedding
/// model's own tokenizer) → embed in batches → store in one transaction → update the index.
///
/// Idempotent: a document whose bytes and model match what is stored under its name is
/// recognized from its content hash before any loading or embedding, and nothing changes.
struct DocumentIngestor: Sendable {
    let store: AtriumStore
    let index: KnowledgeIndex
    let embeddings: EmbeddingQueue
    let loader: DocumentLoader
    let chunker: Chunker

    func ingest(_ upload: DocumentUpload, into collection: String, scope: TenantScope) async throws -> DocumentIngestion {
        let name = try DocumentDraft.validatedName(upload.name)
        let data = upload.data
        let contentHash = try await embeddings.run(on: .bulk) { ContentHash.of(data) }
        if let stored = try await store.knowledge.document(named: name, in: collection, scope: scope),
            stored.contentHash == contentHash, stored.embeddingModel == embeddings.modelID
        {
            return DocumentIngestion(write: .unchanged(stored), embeddedTokens: 0)
        }
        let (format, chunks) = try await read(upload)
        // The queue cuts the chunks into passes and lets other teams' work in between.
        let embedded = try await embeddings.embed(chunks.map(Self.embeddingText), for: scope, lane: .bulk)
        let vectors = embedded.vectors
        let draft = DocumentDraft(
            name: name, format: format.rawValue, contentHash: contentHash, byteCount: data.count,
            embeddingModel: embeddings.modelID,
            chunks: zip(chunks, vectors).map { chunk, vector in
                ChunkDraft(index: chunk.index, text: chunk.text, headingPath: chunk.headingPath, embedding: vector)
            })
        let index = index
        let write = try await store.knowledge.store(draft, in: collection, scope: scope) { change in
            index.apply(change, to: scope)
        }
        return DocumentIngestion(write: write, embeddedTokens: embedded.tokens)
    }

    /// Loads and chunks the upload on the bulk lane (PDF and DOCX reading is CPU work too).
    private func read(_ upload: DocumentUpload) async throws -> (DocumentFormat, [TextChunk]) {
        let loader = loader
        let chunker = chunker
        let (format, chunks) = try await embeddings.run(on: .bulk) {
            let document = try loader.load(upload.data, fileName: upload.name, contentType: upload.contentType)
            return (document.format, chunker.chunks(of: document).map(Self.withoutNUL))
        }
        guard !chunks.isEmpty else { throw LoadingError.empty(fileName: upload.name) }
        return (format, chunks)
    }

    /// The chunk with each NUL as U+FFFD: SQLite (and its full-text index) would keep a chunk's
    /// text only up to its first NUL, so a document could never be stored as it reads. The
    /// content hash still covers the upload's own bytes.
    static func withoutNUL(_ chunk: TextChunk) -> TextChunk {
        guard chunk.text.utf8.contains(0) || chunk.headingPath.contains(where: { $0.utf8.contains(0) }) else { return chunk }
        func clean(_ text: String) -> String { text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        return TextChunk(index: chunk.index, text: clean(chunk.text), headingPath: chunk.headingPath.map(clean))
    }

    /// What the model reads for a chunk: its headings, then its text, so a chunk under
    /// "Billing › Refunds" is found by questions about refunds in billing.
    static func embeddingText(_ chunk: TextChunk) -> String {
        chunk.headingPath.isEmpty ? chunk.text : chunk.headingPath.joined(separator: " › ") + "\n\n" + chunk.text
    }
}
