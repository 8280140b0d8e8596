import Foundation

/// A document as a client sent it: its bytes, the name it is stored under, and what it
/// says it is.
public struct DocumentUpload: Sendable {
    public let name: String
    public let data: Data
    /// The declared media type, if any (the name's extension wins, see ``DocumentFormat``).
    public let contentType: String?

    public init(name: String, data: Data, contentType: String?) {
        self.name = name
        self.data = data
        self.contentType = contentType
    }
}
