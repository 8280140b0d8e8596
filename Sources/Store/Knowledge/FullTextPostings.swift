import Tenancy

/// One team's full-text index on PostgreSQL, ranked exactly as SQLite's FTS5 ranks
/// ``FullTextTable``: same tokens, same statistics, same BM25 arithmetic (PostgreSQL's
/// `ts_rank` is not BM25).
///
/// - `knowledge_postings`: per (team, term, chunk) the term's count in the chunk's text,
///   heading path and title (the document's name) and the chunk's length in tokens. Terms
///   come from ``FullTextTokenizer`` — SQLite's own unicode61 tokenizer — over the very
///   values FTS5 indexes.
/// - `knowledge_full_text_totals`: per team the number of indexed chunks (with or without
///   tokens) and their tokens: FTS5's row count and total size.
///
/// The score is FTS5's `bm25()` (`fts5_aux.c`, `fts5Bm25Function`), k1 = 1.2, b = 0.75, for a
/// query of single-token phrases joined by OR (``FullTextQuery``):
///
///     idf(t)  = ln((N − n(t) + 0.5) / (n(t) + 0.5)), or 1e-6 where that is ≤ 0
///     f(t, c) = Σ over columns of weight × count           (weights 1, 2, 8)
///     score   = Σ over t in query order of idf(t) × f × (k1 + 1) / (f + k1 × (1 − b + b × |c| / avgdl))
///
/// with N the team's chunks, n(t) those holding t, |c| the chunk's tokens and avgdl the
/// team's tokens / N. Every operation is written in the order FTS5's C code performs it, in
/// `float8`, and the sum runs in query order: on the same machine the scores agree to the
/// bit, so the order (ties broken by chunk id, as on SQLite) is the same too.
struct FullTextPostings: FullTextIndex {
    let team: TeamID

    static let k1 = 1.2
    static let b = 0.75
    /// Rows per `INSERT` (7 values each: well below PostgreSQL's 65,535 parameters).
    static let batchRows = 1000

    func index(document: DocumentID, _ db: any SQLConnection) throws {
        // The values of FTS5's view `knowledge_chunk_fields`, read back as stored.
        let chunks = try db.fetchAll(
            """
            SELECT c.id, c.text, c.heading_path, d.name AS title FROM knowledge_chunks c
            JOIN knowledge_documents d ON d.id = c.document_id
            WHERE c.document_id = ? AND c.team_id = ? ORDER BY c.id
            """,
            [document.rawValue, team.rawValue])
        guard !chunks.isEmpty else { return }
        let ids = try chunks.map { try $0.decode(Int64.self, forColumn: "id") }
        let rows = try FullTextTokenizer.shared.rows(
            chunks.map { chunk in
                try ["text", "heading_path", "title"].map { try chunk.decode(String.self, forColumn: $0) }
            })
        var postings: [SQLValue] = []
        var tokens = 0
        for (id, row) in zip(ids, rows) {
            tokens += row.length
            for (term, counts) in row.counts {
                postings.append(.text(term))
                postings.append(.integer(id))
                postings.append(.integer(Int64(row.length)))
                for count in counts { postings.append(.integer(Int64(count))) }
            }
        }
        let width = 6
        var start = 0
        while start < postings.count {
            let end = min(postings.count, start + Self.batchRows * width)
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?)", count: (end - start) / width).joined(separator: ", ")
            var batch: [SQLValue] = [.text(team.rawValue)]
            batch += postings[start..<end]
            try db.execute(
                """
                INSERT INTO knowledge_postings
                    (team_id, term, chunk_id, chunk_length, text_count, heading_count, title_count)
                SELECT ?, v.* FROM (VALUES \(values)) AS v
                """,
                SQLArguments(batch))
            start = end
        }
        try db.execute(
            """
            INSERT INTO knowledge_full_text_totals (team_id, chunks, tokens) VALUES (?, ?, ?)
            ON CONFLICT (team_id) DO UPDATE SET chunks = knowledge_full_text_totals.chunks + excluded.chunks,
                tokens = knowledge_full_text_totals.tokens + excluded.tokens
            """,
            [team.rawValue, ids.count, tokens])
    }

    func forget(document: DocumentID, _ db: any SQLConnection) throws {
        let chunksOfDocument = "SELECT id FROM knowledge_chunks WHERE document_id = ? AND team_id = ?"
        guard
            let removed = try db.fetchOne(
                """
                SELECT (SELECT COUNT(*) FROM knowledge_chunks WHERE document_id = ? AND team_id = ?) AS chunks,
                    (SELECT COALESCE(SUM(chunk_length), 0) FROM (
                        SELECT DISTINCT chunk_id, chunk_length FROM knowledge_postings
                        WHERE team_id = ? AND chunk_id IN (\(chunksOfDocument))) AS lengths) AS tokens
                """,
                [document.rawValue, team.rawValue, team.rawValue, document.rawValue, team.rawValue])
        else { return }
        let chunks = try removed.decode(Int64.self, forColumn: "chunks")
        let tokens = try removed.decode(Int64.self, forColumn: "tokens")
        guard chunks > 0 else { return }
        try db.execute(
            "UPDATE knowledge_full_text_totals SET chunks = chunks - ?, tokens = tokens - ? WHERE team_id = ?",
            [chunks, tokens, team.rawValue])
        try db.execute(
            "DELETE FROM knowledge_postings WHERE team_id = ? AND chunk_id IN (\(chunksOfDocument))",
            [team.rawValue, document.rawValue, team.rawValue])
    }

    func search(_ query: FullTextQuery, collections: [CollectionID]?, limit: Int, _ db: any SQLConnection) throws
        -> [(chunkID: Int64, score: Double)]
    {
        let phrases = query.terms.indices.map { "(\($0 + 1), ?)" }.joined(separator: ", ")
        var arguments = SQLArguments(query.terms.map { .text($0) })
        arguments += [team.rawValue, team.rawValue, team.rawValue]
        var inCollections = ""
        if let collections {
            inCollections = """
                JOIN knowledge_chunks c ON c.id = p.chunk_id AND c.team_id = ?
                    AND c.collection_id IN (\(String.placeholders(collections.count)))
                """
            arguments += [team.rawValue]
            arguments += SQLArguments(collections.map { .text($0.rawValue) })
        }
        arguments += [limit]
        let (k1, b, weights) = ("\(Self.k1)::float8", "\(Self.b)::float8", FullTextTable.weights)
        let frequency = """
            (\(weights.text)::float8 * p.text_count + \(weights.headingPath)::float8 * p.heading_count
                + \(weights.title)::float8 * p.title_count)
            """
        return try db.fetchAll(
            """
            WITH searched (phrase, term) AS (VALUES \(phrases)),
            totals AS (
                SELECT chunks, tokens::float8 / chunks::float8 AS average FROM knowledge_full_text_totals
                WHERE team_id = ? AND chunks > 0
            ),
            idf AS (
                SELECT q.phrase, q.term, t.average,
                    ln(((t.chunks - h.hits)::float8 + 0.5::float8) / (h.hits::float8 + 0.5::float8)) AS raw
                FROM searched q CROSS JOIN totals t
                CROSS JOIN LATERAL (
                    SELECT COUNT(*) AS hits FROM knowledge_postings p WHERE p.team_id = ? AND p.term = q.term
                ) h
                WHERE h.hits > 0
            )
            SELECT p.chunk_id AS id, SUM(
                (CASE WHEN i.raw <= 0::float8 THEN 1e-6::float8 ELSE i.raw END)
                    * ((\(frequency) * (\(k1) + 1.0::float8))
                        / (\(frequency) + \(k1) * (1::float8 - \(b) + \(b) * p.chunk_length::float8 / i.average)))
                ORDER BY i.phrase) AS score
            FROM idf i JOIN knowledge_postings p ON p.team_id = ? AND p.term = i.term
            \(inCollections)
            GROUP BY p.chunk_id
            ORDER BY score DESC, id
            LIMIT ?
            """,
            arguments
        ).map { row in
            (chunkID: try row.decode(Int64.self, forColumn: "id"),
             score: try row.decode(Double.self, forColumn: "score"))
        }
    }
}
