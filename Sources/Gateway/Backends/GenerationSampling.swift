import Inference

/// How to sample and what shape the answer takes: the team profile's defaults with the
/// request's own values applied. (The engine's own parameters, `Inference.SamplingParameters`,
/// are made from it by the embedded backend; an upstream gets them as OpenAI fields.)
public struct GenerationSampling: Sendable, Hashable {
    /// 0…2; 0 means greedy.
    public var temperature: Double
    /// (0, 1].
    public var topP: Double
    /// Most tokens to generate, ≥ 1 (already capped by the team's profile).
    public var maxTokens: Int
    /// Generation stops before any of these strings (at most four).
    public var stop: [String]
    /// Makes sampling repeatable when set.
    public var seed: UInt64?
    /// [-2, 2], OpenAI's: lowers a token's logit per time it already appeared.
    public var frequencyPenalty: Double
    /// [-2, 2], OpenAI's: lowers the logit of every token that already appeared.
    public var presencePenalty: Double
    /// Token id → bias in [-100, 100], added to the logit (OpenAI's `logit_bias`).
    public var logitBias: [Int: Double]
    /// Plain text, or one JSON object (`response_format` `json_object`).
    public var format: OutputFormat

    public init(
        temperature: Double, topP: Double, maxTokens: Int, stop: [String] = [], seed: UInt64? = nil,
        frequencyPenalty: Double = 0, presencePenalty: Double = 0, logitBias: [Int: Double] = [:],
        format: OutputFormat = .text
    ) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.logitBias = logitBias
        self.format = format
    }

    /// What can change an answer: for greedy sampling (temperature 0) `top_p` and the seed
    /// cannot, so they are set to their defaults — the response cache's view of the parameters.
    var answerDetermining: GenerationSampling {
        guard temperature == 0 else { return self }
        var normalized = self
        normalized.topP = 1
        normalized.seed = nil
        return normalized
    }
}
