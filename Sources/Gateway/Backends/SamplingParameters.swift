/// How to sample: the team profile's defaults with the request's own values applied.
public struct SamplingParameters: Sendable, Hashable {
    /// 0…2; 0 means greedy.
    public let temperature: Double
    /// (0, 1].
    public let topP: Double
    /// Most tokens to generate, ≥ 1 (already capped by the team's profile).
    public let maxTokens: Int
    /// Generation stops before any of these strings (at most four).
    public let stop: [String]
    /// Makes sampling repeatable when set.
    public let seed: UInt64?

    public init(temperature: Double, topP: Double, maxTokens: Int, stop: [String] = [], seed: UInt64? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
    }
}
