import Gateway
import Hummingbird
import Logging

/// The door every authenticated route — `/metrics` included — goes through: it opens the
/// request's audit (with the client's address), turns away blocked addresses (429),
/// authenticates the key (a refusal is audited and answered 401), and writes the audit record
/// when the request ends — for a streamed answer, when the stream ends — and lets an answer go
/// only once its record is committed (a refusal too: a crash right after must not lose the
/// record of a refused key). Every request's outcome goes to intrusion detection (failed keys
/// per address, alerts, denial metrics).
///
/// While records cannot be committed (the database down, full or refusing for a second or
/// more) nothing is served: a request is answered 503 `storage_unavailable` at once (its
/// record queued, without waiting), and a success whose record did not commit within
/// ``Accountant/commitWait`` is withheld, a 503 in its place. `/metrics` stays readable.
///
/// `/metrics` alone also takes the `--metrics-token` instead of a key; a wrong token is a
/// failed key like any other, so a scraper's secret cannot be guessed faster than a key.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AtriumRequestContext
    let gateway: Gateway
    let trustForwardedFor: Bool
    /// The bearer token a scraper may present to `/metrics` instead of a key.
    var metricsToken: String? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let route = AtriumRoute.matching(method: request.method, path: context.endpointPath)
        let address = ClientAddress.of(
            peer: context.remoteAddress, headers: request.headers, trustForwardedFor: trustForwardedFor)
        let audit = RequestAudit(
            requestID: context.requestID, action: route?.action?.rawValue ?? request.method.rawValue,
            resource: "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)", clientAddress: address)
        let authorization = request.headers[.authorization]
        do {
            let response = try await authenticated(request, context, route, authorization, address, audit, next)
            await gateway.intrusion.requestEnded(audit, address: address, presentedKey: authorization != nil)
            let status = response.status.code
            if !(200..<300).contains(status) { audit.answered(status: status) }
            if route == .metrics, gateway.accountant.isFailing {
                gateway.accountant.finish(audit)  // the scraper sees why, without waiting
            } else if await !gateway.accountant.settle(audit, status: status), route != .metrics {
                throw Accountant.unrecordable
            }
            return response
        } catch {
            if !audit.isClosed {
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: authorization != nil)
                let status = ErrorResponse.status(of: OpenAIErrorMiddleware.gatewayError(for: error).kind).code
                audit.answered(status: status)
                _ = await gateway.accountant.settle(audit, status: status)
            }
            throw error
        }
    }

    private func authenticated(
        _ request: Request, _ context: Context, _ route: AtriumRoute?, _ authorization: String?, _ address: String?,
        _ audit: RequestAudit, _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await gateway.intrusion.refuseIfBlocked(address, audit: audit)
        // Nothing is served that could not be recorded; the scraper still sees why.
        if route != .metrics, gateway.accountant.isFailing {
            audit.flag("storage.unavailable")
            throw Accountant.unrecordable
        }
        var context = context
        if route == .metrics, let metricsToken, let authorization, MetricsRoutes.presents(metricsToken, in: authorization) {
            audit.decided(.allow)
            context.authentication = .init(principal: nil, route: route, audit: audit)
            return try await next(request, context)
        }
        let principal = try await gateway.authenticator.authenticate(authorization: authorization, audit: audit)
        context.observation.identified(principal)
        context.authentication = .init(principal: principal, route: route, audit: audit)
        context.logger[metadataKey: "key.prefix"] = .string(principal.keyPrefix)
        if let team = principal.teamID { context.logger[metadataKey: "team.id"] = .string(team.rawValue) }
        return try await next(request, context)
    }
}
