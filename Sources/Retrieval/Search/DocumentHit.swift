import Store

/// A document a ``SearchGrouping/document`` search found: its place comes from its best chunks
/// (see ``HybridSearcher``), and those chunks, best first, come with it.
public struct DocumentHit: Sendable, Hashable {
    public let documentID: DocumentID
    public let documentName: String
    /// Its best chunk's score: the fused reciprocal-rank score for `hybrid`, cosine similarity
    /// for `vector` and BM25 for `bm25`.
    public let score: Double
    /// The document's best chunks, best first (at least one).
    public let chunks: [SearchHit]

    public init(documentID: DocumentID, documentName: String, score: Double, chunks: [SearchHit]) {
        self.documentID = documentID
        self.documentName = documentName
        self.score = score
        self.chunks = chunks
    }
}
