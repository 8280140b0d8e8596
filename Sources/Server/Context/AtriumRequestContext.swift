import Gateway
import Hummingbird
import NIOCore
import Tenancy

/// The context every request starts with: a request id, the peer's address, and — once the
/// authentication middleware has accepted the key — the principal and the request's audit.
public struct AtriumRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Random, returned as `x-request-id` and written to the audit record and logs.
    public let requestID: String
    /// The connected peer (`nil` only for in-process test requests).
    public let remoteAddress: SocketAddress?
    /// The connection's hang-up watch (``ClientHangUp``).
    let hangUp: ClientHangUp?
    /// Set by ``AuthenticationMiddleware``; ``AuthenticatedContext`` requires it.
    var authentication: Authentication?
    /// Shared with every copy of this context: the outermost middleware reads what inner ones
    /// found out (the key's team).
    public let observation = RequestObservation()

    struct Authentication: Sendable {
        /// The key's principal; `nil` only for a `/metrics` scrape with the metrics token.
        let principal: Principal?
        /// The route the request reached, whose declared action decides what it may do.
        let route: AtriumRoute?
        let audit: RequestAudit
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = Self.makeRequestID()
        remoteAddress = source.channel.remoteAddress
        hangUp = ClientHangUp.watch(of: source.channel)
        logger[metadataKey: "request.id"] = .string(requestID)
    }

    static func makeRequestID() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
