import Inference

/// One generation request for the shared engine.
public struct ServingRequest: Sendable {
    /// Who the request is for. Fair sharing is per tenant; the serving layer never sees more
    /// than this opaque key (the gateway derives it from the authenticated team).
    public var tenant: String
    /// The tenant's share weight (profile setting; 1 is the default, 2 is twice the share).
    public var weight: Double
    public var prompt: [TokenID]
    public var options: GenerationOptions

    public init(tenant: String, weight: Double = 1, prompt: [TokenID], options: GenerationOptions) {
        self.tenant = tenant
        self.weight = weight
        self.prompt = prompt
        self.options = options
    }
}

/// What a request's stream yields.
public enum ServingEvent: Sendable, Equatable {
    /// Generated text, in order; never splits a UTF-8 character nor shows part of a stop string.
    case text(String)
    /// The last event: token counts and why generation stopped.
    case finished(ServingUsage, FinishReason)
}

public struct ServingUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Time from submission to the first generated token.
    public var timeToFirstToken: Duration?
    /// Prompt tokens taken from the tenant's prefix cache instead of computed.
    public var cachedPromptTokens: Int = 0
    /// Forward passes the engine ran from submission to the last token: the request's latency
    /// in a unit that machine noise does not move (a waiting client's own wake-up lag neither).
    public var forwardPasses: Int = 0
}
