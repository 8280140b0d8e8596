/// How a team's requests use its knowledge: whether to retrieve, how many chunks, from which
/// collections (empty: all of the team's collections).
public struct RetrievalSettings: Sendable, Hashable {
    public static let maximumTopK = 50

    public let enabled: Bool
    public let topK: Int
    public let collections: [String]

    public init(enabled: Bool = false, topK: Int = 4, collections: [String] = []) throws(ProfileError) {
        guard (1...Self.maximumTopK).contains(topK) else {
            throw ProfileError(field: "retrieval.top_k", problem: "must be 1 to \(Self.maximumTopK), not \(topK)")
        }
        for name in collections where name.isEmpty || name.count > 64 || name.contains(where: \.isWhitespace) {
            throw ProfileError(field: "retrieval.collections", problem: "'\(name)' is not a collection name")
        }
        self.enabled = enabled
        self.topK = topK
        self.collections = collections
    }

    /// Retrieval off.
    public static let disabled = try! RetrievalSettings()
}

extension RetrievalSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case enabled
        case topK = "top_k"
        case collections
    }

    /// Decodes and validates; missing fields take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            enabled: container.decodeIfPresent(Bool.self, forKey: .enabled) ?? false,
            topK: container.decodeIfPresent(Int.self, forKey: .topK) ?? 4,
            collections: container.decodeIfPresent([String].self, forKey: .collections) ?? []
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(topK, forKey: .topK)
        try container.encode(collections, forKey: .collections)
    }
}
