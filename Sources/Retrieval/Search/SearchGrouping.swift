/// What a search ranks and counts in `top_k`.
public enum SearchGrouping: String, Sendable, Hashable, Codable, CaseIterable {
    /// Chunks, best first; several may come from one document.
    case chunk
    /// Documents, each once, ranked from its best chunks, with those chunks attached.
    case document
}
