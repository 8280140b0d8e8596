/// A team's quotas; `nil` means unlimited. Set by the owner or an org admin, never by the
/// team itself.
///
/// `weight` is the team's share of the model when teams compete for it (1 by default; 2 gets
/// twice the tokens of a team of weight 1 under contention): every backend's fair scheduler
/// divides the tokens a team is served by it.
public struct TeamLimits: Sendable, Hashable {
    public let requestsPerMinute: Int?
    public let tokensPerMinute: Int?
    public let maxConcurrent: Int?
    /// Prompt + completion tokens per calendar month (UTC).
    public let monthlyTokens: Int?
    /// Share weight under contention, ``weightRange``.
    public let weight: Double

    public init(
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxConcurrent: Int? = nil, monthlyTokens: Int? = nil,
        weight: Double = 1
    ) throws(ProfileError) {
        try Self.requirePositive(requestsPerMinute, field: "requests_per_minute")
        try Self.requirePositive(tokensPerMinute, field: "tokens_per_minute")
        try Self.requirePositive(maxConcurrent, field: "max_concurrent")
        try Self.requirePositive(monthlyTokens, field: "monthly_tokens")
        guard Self.weightRange.contains(weight) else {
            throw ProfileError(field: "weight", problem: "must be a number from 0.01 to 100, not \(weight)")
        }
        self.weight = weight
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.maxConcurrent = maxConcurrent
        self.monthlyTokens = monthlyTokens
    }

    /// The weights a team may have: a hundredth to a hundred times the default share.
    public static let weightRange: ClosedRange<Double> = 0.01...100

    /// No limits at all: what a team gets until someone sets them.
    public static let unlimited = try! TeamLimits()

    /// The largest value any limit takes (10^15): far beyond any real budget, and far from
    /// `Int.max`, so sums and products of limits and token counts never overflow.
    public static let maximumValue = 1_000_000_000_000_000

    static func requirePositive(_ value: Int?, field: String) throws(ProfileError) {
        if let value, !(1...maximumValue).contains(value) {
            throw ProfileError(field: field, problem: "must be a whole number from 1 to 10^15, or null, not \(value)")
        }
    }
}

extension TeamLimits: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case requestsPerMinute = "requests_per_minute"
        case tokensPerMinute = "tokens_per_minute"
        case maxConcurrent = "max_concurrent"
        case monthlyTokens = "monthly_tokens"
        case weight
    }

    /// Decodes and validates; a missing or null field means unlimited (weight: 1), an unknown
    /// one is refused — but `budgets`, which `GET …/limits` shows beside the limits, is ignored.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self, ignoring: ["budgets"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            requestsPerMinute: container.decodeIfPresent(Int.self, forKey: .requestsPerMinute),
            tokensPerMinute: container.decodeIfPresent(Int.self, forKey: .tokensPerMinute),
            maxConcurrent: container.decodeIfPresent(Int.self, forKey: .maxConcurrent),
            monthlyTokens: container.decodeIfPresent(Int.self, forKey: .monthlyTokens),
            weight: container.decodeIfPresent(Double.self, forKey: .weight) ?? 1
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestsPerMinute, forKey: .requestsPerMinute)
        try container.encode(tokensPerMinute, forKey: .tokensPerMinute)
        try container.encode(maxConcurrent, forKey: .maxConcurrent)
        try container.encode(monthlyTokens, forKey: .monthlyTokens)
        try container.encode(weight, forKey: .weight)
    }
}
