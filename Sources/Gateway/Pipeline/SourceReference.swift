/// A chunk of the team's knowledge that an answer used, as responses list it in `"sources"`.
/// Retrieval is not wired into the pipeline yet, so answers carry an empty list.
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
