/// What a committed write did to a team's chunks, for the in-memory vector index to follow.
/// Applying a change twice, or to an index that already reflects it, changes nothing more.
public struct KnowledgeChange: Sendable {
    /// Chunks that are gone.
    public let removed: [Int64]
    /// Chunks that are new, with their vectors.
    public let added: [StoredVector]

    /// The team's knowledge version the write made (``KnowledgeRepository/version(in:)``);
    /// nil for a change that made none (nothing was removed or added).
    public let version: Int?

    public init(removed: [Int64], added: [StoredVector], version: Int? = nil) {
        self.removed = removed
        self.added = added
        self.version = version
    }

    public var isEmpty: Bool { removed.isEmpty && added.isEmpty }
}

/// A chunk's vector as the index holds it: which chunk, in which collection, made by which model.
public struct StoredVector: Sendable {
    public let chunkID: Int64
    public let collectionID: CollectionID
    public let embedding: [Float]

    public init(chunkID: Int64, collectionID: CollectionID, embedding: [Float]) {
        self.chunkID = chunkID
        self.collectionID = collectionID
        self.embedding = embedding
    }
}
