/// A search's hits, best first, and the embedding tokens its query cost (0 for `bm25`, which
/// embeds nothing, and for a query the team's query cache answered), for the team's limits.
public struct SearchResults: Sendable {
    /// The chunks found: for a ``SearchGrouping/document`` search, the documents' chunks in
    /// the documents' order.
    public let hits: [SearchHit]
    /// The documents found, best first; empty for a ``SearchGrouping/chunk`` search.
    public let documents: [DocumentHit]
    public let embeddedTokens: Int

    public init(hits: [SearchHit], documents: [DocumentHit] = [], embeddedTokens: Int) {
        self.hits = hits
        self.documents = documents
        self.embeddedTokens = embeddedTokens
    }
}
