/// Tokens one request took, as the OpenAI `usage` object counts them.
public struct Usage: Sendable, Hashable, Codable {
    public let promptTokens: Int
    public let completionTokens: Int
    /// Prompt tokens the embedded engine took from the team's prefix cache instead of computing
    /// them (`prompt_tokens_details.cached_tokens`); nil otherwise. Never read from an upstream's
    /// reply: an engine's cache may be shared between teams (llama.cpp's server keeps one per
    /// slot), and the count would tell a team how much of its prompt matched another team's.
    public let cachedPromptTokens: Int?

    /// The most tokens one count holds. Counts come from engines, upstream ones included, which
    /// are not trusted: a reply claiming 2⁶³ tokens would overflow every sum it joins (the
    /// team's month, its budget, the metrics) — a crash of the whole server, once measured.
    /// No request comes near it (a model's context is at most millions of tokens).
    public static let maximumCount = 1 << 32

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int? = nil) {
        let promptTokens = min(max(0, promptTokens), Self.maximumCount)
        self.promptTokens = promptTokens
        self.completionTokens = min(max(0, completionTokens), Self.maximumCount)
        self.cachedPromptTokens = cachedPromptTokens.map { min(max(0, $0), promptTokens) }
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    /// This usage with at most `limit` completion tokens: an upstream that reports more than
    /// the `max_tokens` it was sent must not charge the team for them.
    public func completion(atMost limit: Int) -> Usage {
        completionTokens <= limit ? self : Usage(
            promptTokens: promptTokens, completionTokens: max(0, limit), cachedPromptTokens: cachedPromptTokens)
    }

    /// This usage with at most `limit` prompt tokens (and cached prompt tokens).
    public func prompt(atMost limit: Int) -> Usage {
        promptTokens <= limit ? self : Usage(
            promptTokens: max(0, limit), completionTokens: completionTokens, cachedPromptTokens: cachedPromptTokens)
    }

    public static let zero = Usage(promptTokens: 0, completionTokens: 0)

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }

    enum DetailsKeys: String, CodingKey {
        case cachedTokens = "cached_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            promptTokens: try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0,
            completionTokens: try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        if let cachedPromptTokens {
            var details = container.nestedContainer(keyedBy: DetailsKeys.self, forKey: .promptTokensDetails)
            try details.encode(cachedPromptTokens, forKey: .cachedTokens)
        }
    }
}
