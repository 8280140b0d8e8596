import Foundation
import Gateway
import Hummingbird
import NIOCore
import Tenancy

/// `GET /metrics`: the Prometheus text of ``MetricsExposition``, for the owner's key or the
/// `--metrics-token` only — per-team usage is business data (DESIGN §4). Like every request,
/// a scrape leaves one audit record; a refused one is a 401 or 403 like any other route's,
/// and counts as a failed key for its address.
struct MetricsRoutes {
    let gateway: Gateway
    let exposition: MetricsExposition

    /// Registers on a group behind ``AuthenticationMiddleware`` given the metrics token: the
    /// same door as every other route (blocked addresses, failed-key counting, the audit).
    func register(on router: some RouterMethods<AtriumRequestContext>) {
        router.on(AtriumRoute.metrics, use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: AtriumRequestContext) async throws -> Response {
        guard let authentication = context.authentication else { throw GatewayError.denied(.missingKey) }
        // No principal: the door accepted the metrics token. A key must carry the right.
        if let principal = authentication.principal {
            _ = try Authorizer.authorize(principal, .readMetrics, on: .platform, audit: authentication.audit)
        }
        authentication.audit.describe(action: .readMetrics, resource: Resource.platform.description)
        // Budgets live in the shared store: sampled now, so every replica shows the same figures.
        try await gateway.budgets.publish(to: gateway.metrics)
        return Response(
            status: .ok, headers: [.contentType: MetricsExposition.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: exposition.scrape())))
    }

    /// Whether `authorization` is `Bearer <token>` (compared in constant time).
    static func presents(_ token: String, in authorization: String) -> Bool {
        let prefix = "Bearer "
        guard authorization.hasPrefix(prefix) else { return false }
        return ConstantTime.equals(Array(authorization.utf8.dropFirst(prefix.utf8.count)), Array(token.utf8))
    }
}
