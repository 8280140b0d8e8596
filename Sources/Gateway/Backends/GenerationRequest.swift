/// One request to a ``LanguageModelBackend``: the conversation after the team's profile was
/// applied, the sampling parameters, and the tenant it runs for.
public struct GenerationRequest: Sendable, Hashable {
    /// The team the request runs for, for per-team caches and fair scheduling.
    public let tenant: TenantKey
    /// The served model id (never `default`: the gateway resolves it).
    public let model: String
    /// The conversation, system prompt first when the profile has one.
    public let messages: [ChatTurn]
    public let sampling: GenerationSampling
    /// Whether the caller forwards deltas as they come. When `false` a backend may deliver
    /// the whole text as one delta (an upstream then makes one non-streaming call).
    public let streaming: Bool
    /// The team's share weight (its limits' `weight`; 1 by default, 2 is twice the share):
    /// what every backend's fair scheduling divides the team's served tokens by.
    public var weight: Double

    public init(
        tenant: TenantKey, model: String, messages: [ChatTurn], sampling: GenerationSampling, streaming: Bool,
        weight: Double = 1
    ) {
        self.tenant = tenant
        self.weight = weight
        self.model = model
        self.messages = messages
        self.sampling = sampling
        self.streaming = streaming
    }
}
