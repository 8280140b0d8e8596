/// A knowledge request refused, naming what is wrong. (Missing collections and documents are
/// the store's `StoreError.notFound`; unreadable documents are ``LoadingError``s.)
public enum KnowledgeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A search parameter is out of range.
    case invalidSearch(field: String, problem: String)
    /// The team already has `limit` uploads waiting to be read.
    case tooManyUploads(limit: Int)

    public var description: String {
        switch self {
        case let .invalidSearch(field, problem): "'\(field)' \(problem)"
        case let .tooManyUploads(limit):
            "this team already has \(limit) uploads waiting to be read; send more as they finish"
        }
    }
}
