/// Several models, each on its own backend (`--upstream MODEL=URL`): a request goes to the
/// backend of its model — which the compose stage already resolved and checked against the
/// team's `allowed_models` — and one for a model without a route goes to the default.
public struct ModelRouter: InlineGenerating {
    public let routes: [String: any LanguageModelBackend]
    public let fallback: any LanguageModelBackend
    /// Each model's fair admission, for metrics.
    public let admissions: [String: FairAdmission]

    public init(
        routes: [String: any LanguageModelBackend], fallback: any LanguageModelBackend,
        admissions: [String: FairAdmission] = [:]
    ) {
        self.routes = routes
        self.fallback = fallback
        self.admissions = admissions
    }

    private func backend(for request: GenerationRequest) -> any LanguageModelBackend {
        routes[request.model] ?? fallback
    }

    public func generate(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws {
        try await backend(for: request).relay(request, into: sink)
    }

    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        try await backend(for: request).complete(request)
    }

    public var upstreams: [UpstreamStatus] {
        routes.keys.sorted().flatMap { routes[$0]!.upstreams }
    }
}
