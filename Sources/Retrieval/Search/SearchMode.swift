/// How a search ranks chunks.
public enum SearchMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Both rankings below, fused by reciprocal rank (the default).
    case hybrid
    /// Full-text only: SQLite FTS5's BM25 over the chunk text and headings.
    case bm25
    /// Vectors only: cosine similarity of the query's embedding to each chunk's.
    case vector
}
