/// A knowledge request refused, naming what is wrong. (Missing collections and documents are
/// the store's `StoreError.notFound`; unreadable documents are ``LoadingError``s.)
public enum KnowledgeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A search parameter is out of range.
    case invalidSearch(field: String, problem: String)

    public var description: String {
        switch self {
        case let .invalidSearch(field, problem): "'\(field)' \(problem)"
        }
    }
}
