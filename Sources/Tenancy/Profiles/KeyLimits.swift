/// One key's own limits, set when the key is minted; `nil` means no limit of the key's own.
/// The team's ``TeamLimits`` apply as well, so a key's limits can only narrow what its team
/// may do — never widen it.
///
/// ```swift
/// let limits = try KeyLimits(requestsPerMinute: 10, maxConcurrent: 1)
/// ```
public struct KeyLimits: Sendable, Hashable {
    public let requestsPerMinute: Int?
    public let tokensPerMinute: Int?
    public let maxConcurrent: Int?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxConcurrent: Int? = nil) throws(ProfileError) {
        try TeamLimits.requirePositive(requestsPerMinute, field: "limits.requests_per_minute")
        try TeamLimits.requirePositive(tokensPerMinute, field: "limits.tokens_per_minute")
        try TeamLimits.requirePositive(maxConcurrent, field: "limits.max_concurrent")
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.maxConcurrent = maxConcurrent
    }

    /// Limits taken from values another ``KeyLimits`` already validated (positive or `nil`).
    init(checkedRequestsPerMinute requestsPerMinute: Int?, tokensPerMinute: Int?, maxConcurrent: Int?) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.maxConcurrent = maxConcurrent
    }

    /// No limits of the key's own: what a key gets unless its creator sets some.
    public static let unlimited = try! KeyLimits()

    public var isUnlimited: Bool { self == .unlimited }
}

extension KeyLimits: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case requestsPerMinute = "requests_per_minute"
        case tokensPerMinute = "tokens_per_minute"
        case maxConcurrent = "max_concurrent"
    }

    /// Decodes and validates; a missing or null field means no limit, an unknown one is refused.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            requestsPerMinute: container.decodeIfPresent(Int.self, forKey: .requestsPerMinute),
            tokensPerMinute: container.decodeIfPresent(Int.self, forKey: .tokensPerMinute),
            maxConcurrent: container.decodeIfPresent(Int.self, forKey: .maxConcurrent))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestsPerMinute, forKey: .requestsPerMinute)
        try container.encode(tokensPerMinute, forKey: .tokensPerMinute)
        try container.encode(maxConcurrent, forKey: .maxConcurrent)
    }
}
