/// What to look for in a team's knowledge.
public struct SearchRequest: Sendable, Hashable {
    public static let maximumTopK = 50
    public static let maximumQueryLength = 8192
    /// Chunks attached to each document of a ``SearchGrouping/document`` search unless the
    /// request says otherwise.
    public static let defaultChunksPerDocument = 3

    public let query: String
    public let topK: Int
    public let mode: SearchMode
    /// Collection names to search; empty means all of the team's collections.
    public let collections: [String]
    /// Whether a named collection the team does not have is an error (a route naming one) or
    /// skipped (a profile naming one not created yet).
    public let requiresCollections: Bool
    /// Whether `topK` counts chunks or documents.
    public let grouping: SearchGrouping
    /// The most chunks one document contributes: to the chunks of a ``SearchGrouping/chunk``
    /// search (nil: no limit), or attached to each document of a ``SearchGrouping/document``
    /// search (nil: ``defaultChunksPerDocument``).
    public let chunksPerDocument: Int?

    /// - Throws: ``KnowledgeError/invalidSearch(field:problem:)`` for an empty or huge query,
    ///   a `topK` or `chunksPerDocument` outside 1…50.
    public init(
        query: String, topK: Int, mode: SearchMode = .hybrid, collections: [String] = [], requiresCollections: Bool = true,
        grouping: SearchGrouping = .chunk, chunksPerDocument: Int? = nil
    ) throws(KnowledgeError) {
        guard !query.allSatisfy(\.isWhitespace) else {
            throw .invalidSearch(field: "query", problem: "must not be empty")
        }
        guard query.utf8.count <= Self.maximumQueryLength else {
            throw .invalidSearch(field: "query", problem: "must be at most \(Self.maximumQueryLength) bytes")
        }
        guard (1...Self.maximumTopK).contains(topK) else {
            throw .invalidSearch(field: "top_k", problem: "must be 1 to \(Self.maximumTopK), not \(topK)")
        }
        if let chunksPerDocument, !(1...Self.maximumTopK).contains(chunksPerDocument) {
            throw .invalidSearch(
                field: "chunks_per_document", problem: "must be 1 to \(Self.maximumTopK), not \(chunksPerDocument)")
        }
        self.query = query
        self.topK = topK
        self.mode = mode
        self.collections = collections
        self.requiresCollections = requiresCollections
        self.grouping = grouping
        self.chunksPerDocument = chunksPerDocument
    }
}
