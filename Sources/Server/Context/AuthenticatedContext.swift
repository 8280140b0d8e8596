import Gateway
import Hummingbird
import Tenancy

/// The context of routes behind authentication. It can only be made from a context whose key
/// was accepted, so a handler that receives one holds a ``Principal`` by construction.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public let principal: Principal
    /// The request's audit, for the stages to fill in; written once when the request ends.
    public let audit: RequestAudit

    public init(context: AtriumRequestContext) throws {
        guard let authentication = context.authentication, let principal = authentication.principal else {
            // Only reachable if a route were registered without the authentication middleware.
            throw GatewayError.denied(.missingKey)
        }
        coreContext = context.coreContext
        requestID = context.requestID
        self.principal = principal
        audit = authentication.audit
    }
}
