/// A user's search text made safe for an FTS5 `MATCH`: the words of the text, each one a
/// quoted string, joined by `OR` (BM25 then ranks chunks that hold more, and rarer, words first).
///
/// This is the only way to reach the full-text index, so query syntax in user text (`AND`,
/// `NEAR(…)`, `col:`, `*`, `^`, unbalanced quotes or parentheses) is never interpreted: every
/// word is a literal. Common English words are dropped unless nothing else is left, so "the"
/// and "of" do not make every chunk a match.
///
/// The words are the index's own tokens (``FullTextTokenizer``: lower-cased, diacritics
/// removed, split where FTS5 splits), so each quoted string is one token, never a phrase of
/// several: a query means the same "any of these tokens" on SQLite's FTS5 and on the
/// PostgreSQL postings (``FullTextPostings``), and both rank it with the same BM25.
///
/// ```swift
/// FullTextQuery("How do I \"reset\" my password?")?.expression   // "reset" OR "password"
/// ```
public struct FullTextQuery: Sendable, Hashable {
    /// More words than this add nothing to a ranking but cost time.
    public static let maximumTerms = 32

    /// The tokens searched for, in order of first appearance.
    public let terms: [String]

    /// nil when the text holds no word at all (or, which never happens in practice, SQLite's
    /// tokenizer cannot run: then a search has no full-text part).
    public init?(_ text: String) {
        guard let tokens = try? FullTextTokenizer.shared.tokens(of: text) else { return nil }
        var words: [String] = []
        var seen = Set<String>()
        for token in tokens where seen.insert(token).inserted { words.append(token) }
        let meaningful = words.filter { !Self.stopWords.contains($0) }
        let chosen = Array((meaningful.isEmpty ? words : meaningful).prefix(Self.maximumTerms))
        guard !chosen.isEmpty else { return nil }
        terms = chosen
    }

    /// The `MATCH` expression: `"word" OR "word" …`, quotes inside a word doubled.
    public var expression: String {
        terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
    }

    /// Words too common to tell chunks apart.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "had", "has",
        "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our",
        "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were",
        "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
    ]
}
