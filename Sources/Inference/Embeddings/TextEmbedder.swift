/// Turns texts into fixed-size vectors for semantic search (`POST /v1/embeddings`,
/// retrieval, `atrium embed`).
///
/// ```swift
/// let embedder: any TextEmbedder = try SentenceEmbedder(folder: path, threads: 2)
/// let vectors = try embedder.embed(["How do I copy files?", "cp copies files"])
/// let similarity = zip(vectors[0], vectors[1]).reduce(0) { $0 + $1.0 * $1.1 }   // cosine
/// ```
public protocol TextEmbedder: Sendable {
    /// Length of every vector `embed` returns.
    var dimensions: Int { get }
    /// Tokens the model reads per text; longer texts are cut at the end.
    var maxTokens: Int { get }
    /// Tokens `text` takes untruncated, special tokens included; it is read whole if this is
    /// at most `maxTokens`.
    func countTokens(_ text: String) -> Int
    /// One L2-normalized vector per text, in order. Texts are batched internally.
    func embed(_ texts: [String]) throws -> [[Float]]
}
