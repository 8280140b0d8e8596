import Foundation

/// A stored document: what it is called, where it came from, how it was cut and embedded.
public struct KnowledgeDocument: Sendable, Hashable {
    public let id: DocumentID
    public let collectionID: CollectionID
    public let name: String
    /// The format it was read as (`text`, `markdown`, `html`, …).
    public let format: String
    /// Hex SHA-256 of the uploaded bytes.
    public let contentHash: String
    public let byteCount: Int
    /// The model its chunk vectors come from; a different model means the vectors must be redone.
    public let embeddingModel: String
    public let chunkCount: Int
    public let createdAt: Date

    public init(
        id: DocumentID, collectionID: CollectionID, name: String, format: String, contentHash: String, byteCount: Int,
        embeddingModel: String, chunkCount: Int, createdAt: Date
    ) {
        self.id = id
        self.collectionID = collectionID
        self.name = name
        self.format = format
        self.contentHash = contentHash
        self.byteCount = byteCount
        self.embeddingModel = embeddingModel
        self.chunkCount = chunkCount
        self.createdAt = createdAt
    }
}
