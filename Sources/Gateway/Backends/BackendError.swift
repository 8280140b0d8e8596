/// Why a backend could not produce text, worded for the client (never with prompt text).
public enum BackendError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The backend cannot be reached (connection refused, DNS, TLS).
    case unreachable(String)
    /// No answer within the configured time.
    case timedOut(String)
    /// The backend answered with an error status; `status` is its HTTP status.
    case rejected(status: Int, message: String)
    /// The backend answered something that is not a valid completion.
    case malformedResponse(String)
    /// The request cannot be served by this backend (for example, a prompt too long);
    /// `param` names the request field at fault, where one is.
    case invalidRequest(String, param: String? = nil)
    /// The backend cannot take the request now: every slot stayed busy past the queue
    /// timeout, the queue is full, or it is stopping. Trying again later may work.
    case busy(String)
    /// The client went away while its request waited for a slot: the backend never saw the
    /// request, so nothing was computed for it (and nothing is charged).
    case withdrawn

    public var description: String {
        switch self {
        case let .unreachable(detail): "the model backend is not reachable: \(detail)"
        case let .timedOut(detail): "the model backend did not answer in time: \(detail)"
        case let .rejected(status, message): "the model backend refused the request (HTTP \(status)): \(message)"
        case let .malformedResponse(detail): "the model backend sent an invalid response: \(detail)"
        case let .invalidRequest(detail, _): detail
        case let .busy(detail): detail
        case .withdrawn: "the request was withdrawn before the model backend started it: its client went away"
        }
    }
}
