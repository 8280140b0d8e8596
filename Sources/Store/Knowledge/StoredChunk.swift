/// A chunk with the names a search result shows.
public struct StoredChunk: Sendable, Hashable {
    public let id: Int64
    public let documentID: DocumentID
    public let documentName: String
    public let collectionName: String
    public let index: Int
    public let headingPath: [String]
    public let text: String

    public init(
        id: Int64, documentID: DocumentID, documentName: String, collectionName: String, index: Int,
        headingPath: [String], text: String
    ) {
        self.id = id
        self.documentID = documentID
        self.documentName = documentName
        self.collectionName = collectionName
        self.index = index
        self.headingPath = headingPath
        self.text = text
    }
}
