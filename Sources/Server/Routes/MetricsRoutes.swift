import Foundation
import Gateway
import Hummingbird
import NIOCore
import Tenancy

/// `GET /metrics`: the Prometheus text of ``MetricsExposition``, for the owner's key or the
/// `--metrics-token` only — per-team usage is business data (DESIGN §4). Like every request,
/// a scrape leaves one audit record; a refused one is a 401 or 403 like any other route's.
struct MetricsRoutes {
    let gateway: Gateway
    let exposition: MetricsExposition
    /// The bearer token a scraper may present instead of a key; `nil` accepts only keys.
    let token: String?

    func register(on router: some RouterMethods<AtriumRequestContext>) {
        router.on(AtriumRoute.metrics, use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: AtriumRequestContext) async throws -> Response {
        let audit = RequestAudit(
            requestID: context.requestID, action: Action.readMetrics.rawValue, resource: Resource.platform.description)
        defer { gateway.accountant.finish(audit) }
        try await authorize(request.headers[.authorization], context: context, audit: audit)
        return Response(
            status: .ok, headers: [.contentType: MetricsExposition.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: exposition.scrape())))
    }

    /// The metrics token (compared in constant time), or a key whose rights include reading
    /// metrics (the owner's).
    private func authorize(_ authorization: String?, context: AtriumRequestContext, audit: RequestAudit) async throws {
        if let token, let authorization, Self.presents(token, in: authorization) {
            audit.decided(.allow)
            return
        }
        let principal = try await gateway.authenticator.authenticate(authorization: authorization, audit: audit)
        context.observation.identified(principal)
        _ = try Authorizer.authorize(principal, .readMetrics, on: .platform, audit: audit)
    }

    static func presents(_ token: String, in authorization: String) -> Bool {
        let prefix = "Bearer "
        guard authorization.hasPrefix(prefix) else { return false }
        return ConstantTime.equals(Array(authorization.utf8.dropFirst(prefix.utf8.count)), Array(token.utf8))
    }
}
