/// Tokens one request took, as the OpenAI `usage` object counts them.
public struct Usage: Sendable, Hashable, Codable {
    public let promptTokens: Int
    public let completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = max(0, promptTokens)
        self.completionTokens = max(0, completionTokens)
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public static let zero = Usage(promptTokens: 0, completionTokens: 0)

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
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
    }
}
