import Store

/// A chunk a search found, with its score under the request's mode: the fused reciprocal-rank
/// score for `hybrid`, cosine similarity for `vector`, BM25 (higher is better) for `bm25`.
public struct SearchHit: Sendable, Hashable {
    public let chunk: StoredChunk
    public let score: Double

    public init(chunk: StoredChunk, score: Double) {
        self.chunk = chunk
        self.score = score
    }

    /// How the audit log names the chunk: `doc_…#3`.
    public var reference: String { "\(chunk.documentID.rawValue)#\(chunk.index)" }
}
