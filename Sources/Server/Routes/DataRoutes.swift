import Gateway
import Hummingbird

/// The OpenAI-compatible data plane: the key's team is the tenant.
struct DataRoutes {
    let gateway: Gateway
    let maximumBodyBytes: Int

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.on(AtriumRoute.listModels, use: models)
        router.on(AtriumRoute.chatCompletions, use: chatCompletions)
        router.on(AtriumRoute.query, use: query)
    }

    @Sendable func models(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let scope = try gateway.pipeline.authorize(.listModels, principal: context.principal, audit: context.audit)
        let cards = try await gateway.pipeline.models(in: scope, created: gateway.startedAt)
        return try JSONOutput.response(ModelList(cards))
    }

    @Sendable func chatCompletions(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let scope = try gateway.pipeline.authorize(.chat, principal: context.principal, audit: context.audit)
        let body = try await JSONBody.decode(ChatCompletionBody.self, from: request, limit: maximumBodyBytes)
        let execution = try await gateway.pipeline.chat(body.chatRequest, in: scope, audit: context.audit)
        if body.stream {
            return ServerSentEvents.response(for: execution, includeUsage: body.includeUsage)
        }
        let completion = try await execution.collect()
        return try JSONOutput.response(ChatCompletionResponse(execution: execution, completion: completion))
    }

    @Sendable func query(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let scope = try gateway.pipeline.authorize(.chat, principal: context.principal, audit: context.audit)
        let body = try await JSONBody.decode(QueryBody.self, from: request, limit: maximumBodyBytes)
        let execution = try await gateway.pipeline.chat(body.chatRequest, in: scope, audit: context.audit)
        let completion = try await execution.collect()
        return try JSONOutput.response(
            QueryResponse(response: completion.text, sources: execution.sources, model: execution.model, usage: completion.usage))
    }
}

extension RouterMethods {
    /// Registers `handler` for the route's method and path.
    @discardableResult
    func on(_ route: AtriumRoute, use handler: @escaping @Sendable (Request, Context) async throws -> Response) -> Self {
        on(RouterPath(route.path), method: route.method, use: handler)
    }
}
