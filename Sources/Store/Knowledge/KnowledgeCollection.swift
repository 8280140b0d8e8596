import Foundation

/// A team's collection of documents, with how much it holds.
public struct KnowledgeCollection: Sendable, Hashable {
    public let id: CollectionID
    public let name: String
    public let createdAt: Date
    public let documentCount: Int
    public let chunkCount: Int

    public init(id: CollectionID, name: String, createdAt: Date, documentCount: Int, chunkCount: Int) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.documentCount = documentCount
        self.chunkCount = chunkCount
    }
}
