import Gateway
import Hummingbird

/// Holds every data-plane request to its team's and key's limits. Chat and `/query` are
/// charged by the chat pipeline, which reserves the tokens a generation may take before it
/// starts; every other data-plane route — models, embeddings, search, documents — is held here
/// for its whole duration and charged the tokens it embedded (``LimitStage/metered(_:audit:_:)``).
/// One middleware on the data-plane group, so no such route can be added without limits.
struct DataPlaneLimitMiddleware: RouterMiddleware {
    typealias Context = TeamRequestContext
    let limits: LimitStage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard !context.route.isGeneration else { return try await next(request, context) }
        return try await limits.metered(context.scope, audit: context.audit) { try await next(request, context) }
    }
}
