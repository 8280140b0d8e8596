/// What to look for in a team's knowledge.
public struct SearchRequest: Sendable, Hashable {
    public static let maximumTopK = 50
    public static let maximumQueryLength = 8192

    public let query: String
    public let topK: Int
    public let mode: SearchMode
    /// Collection names to search; empty means all of the team's collections.
    public let collections: [String]
    /// Whether a named collection the team does not have is an error (a route naming one) or
    /// skipped (a profile naming one not created yet).
    public let requiresCollections: Bool

    /// - Throws: ``KnowledgeError/invalidSearch(field:problem:)`` for an empty or huge query
    ///   or a `topK` outside 1…50.
    public init(query: String, topK: Int, mode: SearchMode = .hybrid, collections: [String] = [], requiresCollections: Bool = true)
        throws(KnowledgeError)
    {
        guard !query.allSatisfy(\.isWhitespace) else {
            throw .invalidSearch(field: "query", problem: "must not be empty")
        }
        guard query.utf8.count <= Self.maximumQueryLength else {
            throw .invalidSearch(field: "query", problem: "must be at most \(Self.maximumQueryLength) bytes")
        }
        guard (1...Self.maximumTopK).contains(topK) else {
            throw .invalidSearch(field: "top_k", problem: "must be 1 to \(Self.maximumTopK), not \(topK)")
        }
        self.query = query
        self.topK = topK
        self.mode = mode
        self.collections = collections
        self.requiresCollections = requiresCollections
    }
}
