import Gateway
import Hummingbird

/// The OpenAI-compatible data plane: the key's team is the tenant.
struct DataRoutes {
    let gateway: Gateway
    let maximumBodyBytes: Int

    func register(on router: some RouterMethods<TeamRequestContext>) {
        router.on(AtriumRoute.listModels, use: models)
        router.on(AtriumRoute.retrieveModel, use: model)
        router.on(AtriumRoute.chatCompletions, use: chatCompletions)
        router.on(AtriumRoute.query, use: query)
    }

    @Sendable func models(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let cards = try await gateway.pipeline.models(in: context.scope, created: gateway.startedAt)
        return try JSONOutput.response(ModelList(cards))
    }

    /// `GET /v1/models/{model}` (the OpenAI SDKs' `models.retrieve`): a model the team may not
    /// use is the same 404 as one that does not exist; `default` is the model chat serves for it.
    @Sendable func model(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("model")
        let cards = try await gateway.pipeline.models(in: context.scope, created: gateway.startedAt)
        let served = id == ModelCatalog.defaultAlias ? gateway.catalog.chatModel : id
        guard let card = cards.first(where: { $0.id == served }) else {
            throw GatewayError(.notFound, "The model '\(String(id.unicodeScalars.prefix(128)))' does not exist", code: "model_not_found")
        }
        return try JSONOutput.response(ModelList.Entry(card))
    }

    @Sendable func chatCompletions(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(ChatCompletionBody.self, from: request, limit: maximumBodyBytes)
        if body.stream {
            let execution = try await gateway.pipeline.chat(body.chatRequest, in: context.scope, audit: context.audit)
            return try await ServerSentEvents.response(for: execution, includeUsage: body.includeUsage)
                .markingCache(execution.cacheHit)
        }
        let answer = try await gateway.pipeline.answer(body.chatRequest, in: context.scope, audit: context.audit)
        return try JSONOutput.response(ChatCompletionResponse(answer: answer)).markingCache(answer.cacheHit)
    }

    @Sendable func query(_ request: Request, context: TeamRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(QueryBody.self, from: request, limit: maximumBodyBytes)
        let answer = try await gateway.pipeline.answer(body.chatRequest, in: context.scope, audit: context.audit)
        return try JSONOutput.response(
            QueryResponse(
                response: answer.completion.text, sources: answer.sources, model: answer.model, usage: answer.completion.usage)
        ).markingCache(answer.cacheHit)
    }
}

extension RouterMethods {
    /// Registers `handler` for the route's method and path.
    @discardableResult
    func on(_ route: AtriumRoute, use handler: @escaping @Sendable (Request, Context) async throws -> Response) -> Self {
        on(RouterPath(route.path), method: route.method, use: handler)
    }
}
