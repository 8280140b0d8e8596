/// A chunk of the team's knowledge that an answer used, as responses list it in `"sources"`:
/// the chunks the retrieve stage put into the prompt, numbered there from 1 in this order.
public struct SourceReference: Sendable, Hashable, Codable {
    public let documentID: String
    public let documentName: String
    public let chunkIndex: Int
    public let score: Double

    public init(documentID: String, documentName: String, chunkIndex: Int, score: Double) {
        self.documentID = documentID
        self.documentName = documentName
        self.chunkIndex = chunkIndex
        self.score = score
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case documentName = "document_name"
        case chunkIndex = "chunk_index"
        case score
    }
}
