import Tenancy

/// A document ready to store: its identity (name and content hash) and its embedded chunks.
public struct DocumentDraft: Sendable {
    public static let maximumNameLength = 512

    public let name: String
    public let format: String
    public let contentHash: String
    public let byteCount: Int
    public let embeddingModel: String
    public let chunks: [ChunkDraft]

    public init(name: String, format: String, contentHash: String, byteCount: Int, embeddingModel: String, chunks: [ChunkDraft]) {
        self.name = name
        self.format = format
        self.contentHash = contentHash
        self.byteCount = byteCount
        self.embeddingModel = embeddingModel
        self.chunks = chunks
    }

    /// The name, if a document may be called that: 1…512 characters, no control characters.
    public static func validatedName(_ name: String) throws(StoreError) -> String {
        guard !name.isEmpty, name.unicodeScalars.count <= maximumNameLength else {  // scalars: "a" + a million combining marks is one Character
            throw .invalidValue(field: "name", problem: "a document name must be 1 to \(maximumNameLength) characters")
        }
        guard !PlainText.hasForbiddenCharacter(name) else {
            throw .invalidValue(field: "name", problem: "a document name \(PlainText.problem)")
        }
        return name
    }
}

/// One chunk of a ``DocumentDraft``: its text, where it sits and its vector.
public struct ChunkDraft: Sendable {
    public let index: Int
    public let text: String
    public let headingPath: [String]
    /// L2-normalized, as long as every other vector of the model.
    public let embedding: [Float]

    public init(index: Int, text: String, headingPath: [String], embedding: [Float]) {
        self.index = index
        self.text = text
        self.headingPath = headingPath
        self.embedding = embedding
    }
}
