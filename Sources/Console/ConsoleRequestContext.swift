import Hummingbird

/// What the console needs of the server's request context: the request id its audit records
/// and the server's `x-request-id` share. `Server` conforms its own context.
public protocol ConsoleRequestContext: RequestContext {
    var requestID: String { get }
}
