/// A team's semantic response cache: whether a deterministic request that misses the exact
/// response cache may be answered with a cached answer to a question of the same meaning, and
/// how close in meaning it must be. Off by default.
///
/// `threshold` is a cosine similarity between sentence embeddings (the server's embedding
/// model, all-MiniLM-L6-v2 by default): 1 asks for the same meaning word for word, lower
/// values accept looser paraphrases. With MiniLM, "What is the capital of France?" and
/// "what's the capital city of France?" score about 0.96, the same question about Germany
/// about 0.66.
///
/// ```swift
/// let settings = try SemanticCacheSettings(enabled: true, threshold: 0.92)
/// ```
public struct SemanticCacheSettings: Sendable, Hashable {
    /// The threshold a team gets when it turns the cache on without naming one.
    public static let defaultThreshold = 0.9

    public let enabled: Bool
    /// Cosine similarity in (0, 1] that both the last message and the rest of the
    /// conversation must reach.
    public let threshold: Double

    /// - Throws: ``ProfileError`` (`semantic_cache.threshold`) for a threshold outside (0, 1].
    public init(enabled: Bool = false, threshold: Double = Self.defaultThreshold) throws(ProfileError) {
        guard threshold.isFinite, threshold > 0, threshold <= 1 else {
            throw ProfileError(
                field: "semantic_cache.threshold",
                problem: "must be a cosine similarity greater than 0 and at most 1, not \(threshold)")
        }
        self.enabled = enabled
        self.threshold = threshold
    }

    /// The semantic cache off.
    public static let disabled = try! SemanticCacheSettings()
}

extension SemanticCacheSettings: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case threshold
    }

    /// Decodes and validates; missing fields take their defaults, an unknown one is refused —
    /// but `active` and `inactive_reason`, which `GET …/profile` shows, are ignored.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self, ignoring: ["active", "inactive_reason"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            enabled: container.decodeIfPresent(Bool.self, forKey: .enabled) ?? false,
            threshold: container.decodeIfPresent(Double.self, forKey: .threshold) ?? Self.defaultThreshold)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(threshold, forKey: .threshold)
    }
}
