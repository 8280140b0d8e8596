import Foundation
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

    /// The name a document is stored under, if it may be called that: 1…512 Unicode scalars,
    /// no control or invisible formatting characters (zero-width spaces, byte-order marks), a
    /// visible character other than `.` and `..`, in Unicode's composed form (NFC) — so that
    /// `é` typed as one scalar or as `e` + U+0301 names one document, not two that look alike.
    public static func validatedName(_ name: String) throws(StoreError) -> String {
        func refuse(_ problem: String) -> StoreError { .invalidValue(field: "name", problem: problem) }
        let lengthProblem = "a document name must be 1 to \(maximumNameLength) characters"
        // Scalars: "a" + a million combining marks is one Character.
        guard !name.isEmpty, name.unicodeScalars.count <= maximumNameLength else { throw refuse(lengthProblem) }
        let name = name.precomposedStringWithCanonicalMapping
        guard name.unicodeScalars.count <= maximumNameLength else { throw refuse(lengthProblem) }
        guard !PlainText.hasForbiddenCharacter(name) else { throw refuse("a document name \(PlainText.problem)") }
        guard name.contains(where: { !$0.isWhitespace }), name != ".", name != ".." else {
            throw refuse("a document name needs a visible character, and may not be . or ..")
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
