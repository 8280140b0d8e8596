import Gateway
import Hummingbird
import Logging

/// Opens the request's audit, turns away blocked client addresses (429), authenticates the
/// key (a refusal is audited and answered 401), and writes the audit record when the request
/// ends — for a streamed answer, when the stream ends. Every request's outcome then goes to
/// intrusion detection (failed keys per address, alerts, denial metrics).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AtriumRequestContext
    let gateway: Gateway
    let trustForwardedFor: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let route = AtriumRoute.matching(method: request.method, path: context.endpointPath)
        let audit = RequestAudit(
            requestID: context.requestID, action: route?.action?.rawValue ?? request.method.rawValue,
            resource: "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)")
        defer { gateway.accountant.finish(audit) }
        let address = ClientAddress.of(
            peer: context.remoteAddress, headers: request.headers, trustForwardedFor: trustForwardedFor)
        let authorization = request.headers[.authorization]
        do {
            let response = try await authenticated(request, context, authorization, address, audit, next)
            await gateway.intrusion.requestEnded(audit, address: address, presentedKey: authorization != nil)
            return response
        } catch {
            await gateway.intrusion.requestEnded(audit, address: address, presentedKey: authorization != nil)
            throw error
        }
    }

    private func authenticated(
        _ request: Request, _ context: Context, _ authorization: String?, _ address: String?, _ audit: RequestAudit,
        _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try gateway.intrusion.refuseIfBlocked(address, audit: audit)
        let principal = try await gateway.authenticator.authenticate(authorization: authorization, audit: audit)
        context.observation.identified(principal)
        var context = context
        context.authentication = .init(principal: principal, audit: audit)
        context.logger[metadataKey: "key.prefix"] = .string(principal.keyPrefix)
        if let team = principal.teamID { context.logger[metadataKey: "team.id"] = .string(team.rawValue) }
        return try await next(request, context)
    }
}
