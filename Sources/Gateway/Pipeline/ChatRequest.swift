import Inference

/// A chat request as the client sent it, before the team's profile shapes it. Values left
/// `nil` take the profile's defaults.
public struct ChatRequest: Sendable, Hashable {
    public var messages: [ChatTurn]
    /// A served model id, `default`, or `nil` for the default.
    public var model: String?
    public var temperature: Double?
    public var topP: Double?
    /// May lower, never raise, the profile's `max_tokens`.
    public var maxTokens: Int?
    public var stop: [String]
    public var seed: UInt64?
    public var frequencyPenalty: Double?
    public var presencePenalty: Double?
    /// Token id → bias (`logit_bias`).
    public var logitBias: [Int: Double]
    /// `response_format`: text, or one JSON object.
    public var format: OutputFormat
    /// Whether the client reads the answer as a stream.
    public var streaming: Bool
    /// The team the request claims to act for (`/query`'s `team`); must be the key's own.
    public var claimedTeam: String?

    public init(
        messages: [ChatTurn], model: String? = nil, temperature: Double? = nil, topP: Double? = nil,
        maxTokens: Int? = nil, stop: [String] = [], seed: UInt64? = nil, frequencyPenalty: Double? = nil,
        presencePenalty: Double? = nil, logitBias: [Int: Double] = [:], format: OutputFormat = .text,
        streaming: Bool = false, claimedTeam: String? = nil
    ) {
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.logitBias = logitBias
        self.format = format
        self.streaming = streaming
        self.claimedTeam = claimedTeam
    }

    /// The text the audit log keeps as the query: the last user message.
    public var queryText: String? {
        messages.last { $0.role == .user }?.content
    }
}
