/// A chunk of the team's knowledge that an answer used, as responses list it in `"sources"`:
/// the chunks the retrieve stage put into the prompt, numbered there from 1 in this order.
public struct SourceReference: Sendable, Hashable, Codable {
    public let documentID: String
    public let documentName: String
    public let chunkIndex: Int
    public let score: Double
    /// The headings above the chunk in its document (`Setup › Ports`); `nil` when it has none.
    public let section: String?

    public init(documentID: String, documentName: String, chunkIndex: Int, score: Double, section: String? = nil) {
        self.documentID = documentID
        self.documentName = documentName
        self.chunkIndex = chunkIndex
        self.score = score
        self.section = section
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case documentName = "document_name"
        case chunkIndex = "chunk_index"
        case score
        case section
    }
}
