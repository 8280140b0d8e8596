import Tenancy

/// One team's full-text index: written in the same transaction as the chunks it covers and
/// searched with FTS5's BM25 — by SQLite's FTS5 itself (``FullTextTable``) or, on
/// PostgreSQL, by postings that reproduce its scores (``FullTextPostings``).
///
/// Statistics (how many chunks, how long they are, how many hold a word) are the team's
/// own on both: another team's documents never move a team's scores.
protocol FullTextIndex {
    /// Indexes the chunks of one document, after they were inserted.
    func index(document: DocumentID, _ db: any SQLConnection) throws

    /// Forgets the chunks of one document, before they are deleted.
    func forget(document: DocumentID, _ db: any SQLConnection) throws

    /// The team's chunks matching `query` best within `collections` (nil: all of the team's),
    /// best first (ties by chunk id), with positive scores: higher is better.
    func search(_ query: FullTextQuery, collections: [CollectionID]?, limit: Int, _ db: any SQLConnection) throws
        -> [(chunkID: Int64, score: Double)]
}

extension SQLDialect {
    /// The full-text index of `team` on this backend.
    func fullTextIndex(team: TeamID) -> any FullTextIndex {
        switch self {
        case .sqlite: FullTextTable(team: team)
        case .postgres: FullTextPostings(team: team)
        }
    }
}

extension String {
    /// `count` question marks for an `IN (…)` list.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
