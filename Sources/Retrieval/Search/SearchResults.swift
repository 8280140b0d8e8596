/// A search's hits, best first, and the embedding tokens its query cost (0 for `bm25`, which
/// embeds nothing), for the team's limits.
public struct SearchResults: Sendable {
    public let hits: [SearchHit]
    public let embeddedTokens: Int
}
