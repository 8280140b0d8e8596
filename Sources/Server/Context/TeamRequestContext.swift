import Gateway
import Hummingbird
import Tenancy

/// The context of every data-plane route (models, chat, `/query`, embeddings, knowledge): a
/// key's principal *and* the team scope its route's declared action was granted on.
///
/// The scope is decided here, once, from ``AtriumRoute/action`` — never by a handler — so a
/// route registered on the data-plane group cannot forget to authorize, and a route whose
/// declared action is not a data-plane one cannot be registered there without failing every
/// request. Organization and platform keys get a recorded 403: they never reach team data.
public struct TeamRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public let principal: Principal
    public let route: AtriumRoute
    /// The team the key is bound to, granted the route's action.
    public let scope: TenantScope
    /// The request's audit, for the stages to fill in; written once when the request ends.
    public let audit: RequestAudit

    public init(context: AtriumRequestContext) throws {
        guard let authentication = context.authentication, let principal = authentication.principal else {
            // Only reachable if a route were registered without the authentication middleware.
            throw GatewayError.denied(.missingKey)
        }
        guard let route = authentication.route, route.isDataPlane, let action = route.action else {
            throw GatewayError.denied(.actionDoesNotApply)
        }
        coreContext = context.coreContext
        requestID = context.requestID
        self.principal = principal
        self.route = route
        audit = authentication.audit
        scope = try Authorizer.dataScope(of: principal, for: action, audit: audit)
    }
}
