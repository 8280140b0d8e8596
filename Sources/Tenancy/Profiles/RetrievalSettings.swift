/// How a team's requests use its knowledge: whether to retrieve, how many chunks, at most how
/// many of them from one document, from which collections (empty: all of the team's collections).
public struct RetrievalSettings: Sendable, Hashable {
    public static let maximumTopK = 50
    /// Two chunks of one document at most, unless the profile says otherwise: a chat's sources
    /// then span several documents instead of one long document's neighbouring chunks.
    public static let defaultChunksPerDocument = 2

    public let enabled: Bool
    public let topK: Int
    /// The most chunks one document contributes to a chat's sources (`top_k` or more: no limit).
    public let chunksPerDocument: Int
    public let collections: [String]

    public init(
        enabled: Bool = false, topK: Int = 4, chunksPerDocument: Int = Self.defaultChunksPerDocument,
        collections: [String] = []
    ) throws(ProfileError) {
        guard (1...Self.maximumTopK).contains(topK) else {
            throw ProfileError(field: "retrieval.top_k", problem: "must be 1 to \(Self.maximumTopK), not \(topK)")
        }
        guard (1...Self.maximumTopK).contains(chunksPerDocument) else {
            throw ProfileError(
                field: "retrieval.chunks_per_document", problem: "must be 1 to \(Self.maximumTopK), not \(chunksPerDocument)")
        }
        for name in collections where name.isEmpty || name.count > 64 || name.contains(where: \.isWhitespace) {
            throw ProfileError(field: "retrieval.collections", problem: "'\(name)' is not a collection name")
        }
        self.enabled = enabled
        self.topK = topK
        self.chunksPerDocument = chunksPerDocument
        self.collections = collections
    }

    /// Retrieval off.
    public static let disabled = try! RetrievalSettings()
}

extension RetrievalSettings: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case topK = "top_k"
        case chunksPerDocument = "chunks_per_document"
        case collections
    }

    /// Decodes and validates; missing fields take their defaults, an unknown one is refused.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            enabled: container.decodeIfPresent(Bool.self, forKey: .enabled) ?? false,
            topK: container.decodeIfPresent(Int.self, forKey: .topK) ?? 4,
            chunksPerDocument: container.decodeIfPresent(Int.self, forKey: .chunksPerDocument)
                ?? Self.defaultChunksPerDocument,
            collections: container.decodeIfPresent([String].self, forKey: .collections) ?? []
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(topK, forKey: .topK)
        try container.encode(chunksPerDocument, forKey: .chunksPerDocument)
        try container.encode(collections, forKey: .collections)
    }
}
