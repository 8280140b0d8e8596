/// Why the serving engine refused or ended a request.
public enum ServingError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidConfiguration(String)
    /// The queue is full, or the request waited longer than the queue timeout.
    case overloaded(String)
    /// The prompt plus the requested tokens do not fit the context or the KV budget.
    case tooLong(String)
    case engineFailure(String)
    case shutDown

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid serving configuration: \(reason)"
        case .overloaded(let reason): return "the server is overloaded: \(reason)"
        case .tooLong(let reason): return reason
        case .engineFailure(let reason): return "the model failed: \(reason)"
        case .shutDown: return "the server is shutting down"
        }
    }
}
