import Gateway
import Hummingbird
import Logging

/// Opens the request's audit, authenticates its key (a refusal is audited and answered
/// 401), and writes the audit record when the request ends — for a streamed answer, when the
/// stream ends.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AtriumRequestContext
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let route = AtriumRoute.matching(method: request.method, path: context.endpointPath)
        let audit = RequestAudit(
            requestID: context.requestID, action: route?.action?.rawValue ?? request.method.rawValue,
            resource: "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)")
        defer { gateway.accountant.finish(audit) }
        let principal = try await gateway.authenticator.authenticate(
            authorization: request.headers[.authorization], audit: audit)
        context.observation.identified(principal)
        var context = context
        context.authentication = .init(principal: principal, audit: audit)
        context.logger[metadataKey: "key.prefix"] = .string(principal.keyPrefix)
        if let team = principal.teamID { context.logger[metadataKey: "team.id"] = .string(team.rawValue) }
        return try await next(request, context)
    }
}
