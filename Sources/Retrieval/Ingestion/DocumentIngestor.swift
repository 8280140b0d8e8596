import Foundation
import Store
import Tenancy

/// Turns an upload into stored knowledge: load → chunk (counting tokens with the embedding
/// model's own tokenizer) → embed in batches → store in one transaction → update the index.
///
/// Idempotent: a document whose bytes and model match what is stored under its name is
/// recognized from its content hash before any loading or embedding, and nothing changes.
/// A new version of a stored document keeps the vectors of the chunks it did not change (same
/// heading path and text, same model): only new text is embedded — and charged — so a team
/// that uploads its edited wiki again waits for its edits, not for the whole wiki. A chunk
/// that occurs several times in one upload is embedded once. Only the team's own previous
/// version of the same document is looked at, so how long an upload takes says nothing about
/// what any other document holds.
struct DocumentIngestor: Sendable {
    /// The most chunks one document may make. Every chunk is stored, full-text indexed and held
    /// in memory by the team's index, while repeats are embedded (and charged) once: a 4 MB CSV
    /// that repeats long column names made 118,750 chunks and 1.1 GB (attack round 4). 16 MiB of
    /// plain prose makes about 30,000.
    static let maximumChunks = 40_000

    let store: AtriumStore
    let index: KnowledgeIndex
    let embeddings: EmbeddingQueue
    let lanes: IngestionLanes
    let loader: DocumentLoader
    let chunker: Chunker

    /// `reserving` is called with the most tokens the chunks left to embed can cost, once they
    /// are known and before any is embedded (the team's limits reserve them; throwing stops the
    /// upload with nothing stored).
    func ingest(
        _ upload: DocumentUpload, into collection: String, scope: TenantScope,
        reserving: @Sendable (Int) async throws -> Void = { _ in }
    ) async throws -> DocumentIngestion {
        let name = try DocumentDraft.validatedName(upload.name)
        let data = upload.data
        let contentHash = try await lanes.run(for: scope.teamID) { ContentHash.of(data) }
        let stored = try await store.knowledge.document(named: name, in: collection, scope: scope)
        // The same bytes read as another format (a content type corrected) are a new version.
        let declared = DocumentFormat(fileName: upload.name, contentType: upload.contentType)
        if let stored, stored.contentHash == contentHash, stored.embeddingModel == embeddings.modelID,
            stored.format == declared?.rawValue
        {
            return DocumentIngestion(write: .unchanged(stored), chargedTokens: 0, reusedChunks: stored.chunkCount)
        }
        let (format, chunks) = try await read(upload, scope: scope)
        let texts = chunks.map { Self.embeddingText(headingPath: $0.headingPath, text: $0.text) }
        var known = try await vectors(of: stored, scope: scope)
        let reused = texts.count(where: { known[$0] != nil })
        var missing: [String] = []
        var queued: Set<String> = []
        var copies: [String: Int] = [:]
        for text in texts where known[text] == nil {
            if queued.insert(text).inserted { missing.append(text) } else { copies[text, default: 0] += 1 }
        }
        // A chunk given again in the upload is embedded once, but stored and searched like any
        // other, so each copy is charged as the chunk is: one paragraph 8,000 times stored 8,000
        // chunks (and their vectors in the team's index) for 98 tokens (attack round 7).
        let copiedTokens = copies.reduce(0) { $0 + $1.value * embeddings.tokens(of: $1.key) }
        try await reserving(missing.reduce(0) { $0 + embeddings.mostTokens($1) } + copiedTokens)
        // The queue cuts the chunks into passes and lets other teams' work in between.
        let embedded = try await embeddings.embed(missing, for: scope, lane: .bulk)
        for (text, vector) in zip(missing, embedded.vectors) { known[text] = vector }
        let draft = DocumentDraft(
            name: name, format: format.rawValue, contentHash: contentHash, byteCount: data.count,
            embeddingModel: embeddings.modelID,
            chunks: zip(chunks, texts).map { chunk, text in
                ChunkDraft(index: chunk.index, text: chunk.text, headingPath: chunk.headingPath, embedding: known[text]!)
            })
        let index = index
        let write = try await store.knowledge.store(draft, in: collection, scope: scope) { change in
            index.apply(change, to: scope)
        }
        return DocumentIngestion(write: write, chargedTokens: embedded.tokens + copiedTokens, reusedChunks: reused)
    }

    /// The vectors of a stored version's chunks by the text the model read for them, when the
    /// same model (and length of vector) made them; empty otherwise.
    private func vectors(of stored: KnowledgeDocument?, scope: TenantScope) async throws -> [String: [Float]] {
        guard let stored, stored.embeddingModel == embeddings.modelID else { return [:] }
        var vectors: [String: [Float]] = [:]
        for chunk in try await store.knowledge.chunkDrafts(of: stored.id, in: scope)
        where chunk.embedding.count == embeddings.dimensions {
            vectors[Self.embeddingText(headingPath: chunk.headingPath, text: chunk.text)] = chunk.embedding
        }
        return vectors
    }

    /// Loads and chunks the upload in the team's lane (PDF and DOCX reading is CPU work too).
    private func read(_ upload: DocumentUpload, scope: TenantScope) async throws -> (DocumentFormat, [TextChunk]) {
        let loader = loader
        let chunker = chunker
        let (format, chunks) = try await lanes.run(for: scope.teamID) {
            let document = try loader.load(upload.data, fileName: upload.name, contentType: upload.contentType)
            return (document.format, chunker.chunks(of: document).map(Self.withoutNUL))
        }
        guard !chunks.isEmpty else { throw LoadingError.empty(fileName: upload.name) }
        guard chunks.count <= Self.maximumChunks else {
            throw LoadingError.tooManyChunks(fileName: upload.name, chunks: chunks.count, limit: Self.maximumChunks)
        }
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
    static func embeddingText(headingPath: [String], text: String) -> String {
        headingPath.isEmpty ? text : headingPath.joined(separator: " › ") + "\n\n" + text
    }
}
