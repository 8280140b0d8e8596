import Foundation
import Gateway
import Retrieval
import Store

struct CollectionView: Encodable {
    let id: String
    let object = "collection"
    let name: String
    let documents: Int
    let chunks: Int
    let createdAt: Date

    init(_ collection: KnowledgeCollection) {
        id = collection.id.rawValue
        name = collection.name
        documents = collection.documentCount
        chunks = collection.chunkCount
        createdAt = collection.createdAt
    }

    enum CodingKeys: String, CodingKey { case id, object, name, documents, chunks, createdAt = "created_at" }
}

/// A document; after an upload also what the upload did (`added`, `unchanged`, `replaced`).
struct DocumentView: Encodable {
    let id: String
    let object = "document"
    let name: String
    let format: String
    let bytes: Int
    let chunks: Int
    let createdAt: Date
    let status: String?
    let replaced: String?

    init(_ document: KnowledgeDocument, write: DocumentWrite? = nil) {
        id = document.id.rawValue
        name = document.name
        format = document.format
        bytes = document.byteCount
        chunks = document.chunkCount
        createdAt = document.createdAt
        status = write?.status
        if case let .replaced(_, previous) = write { replaced = previous.rawValue } else { replaced = nil }
    }

    enum CodingKeys: String, CodingKey {
        case id, object, name, format, bytes, chunks, status, replaced
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(name, forKey: .name)
        try container.encode(format, forKey: .format)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(chunks, forKey: .chunks)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(replaced, forKey: .replaced)
    }
}

/// `{"id", "object", "deleted": true}`, as OpenAI answers deletes.
struct DeletedView: Encodable {
    let id: String
    let object: String
    let deleted = true
}

/// `{"object": "list", "mode", "results": [{"document_id", "document_name", "chunk", "heading_path", "text", "score"}]}`.
struct SearchResultsView: Encodable {
    struct Result: Encodable {
        let documentID: String
        let documentName: String
        let chunk: Int
        let headingPath: [String]
        let text: String
        let score: Double

        enum CodingKeys: String, CodingKey {
            case chunk, text, score
            case documentID = "document_id"
            case documentName = "document_name"
            case headingPath = "heading_path"
        }
    }

    let object = "list"
    let mode: String
    let results: [Result]

    init(_ hits: [SearchHit], mode: SearchMode) {
        self.mode = mode.rawValue
        results = hits.map { hit in
            Result(
                documentID: hit.chunk.documentID.rawValue, documentName: hit.chunk.documentName, chunk: hit.chunk.index,
                headingPath: hit.chunk.headingPath, text: hit.chunk.text, score: hit.score)
        }
    }
}

/// The OpenAI embeddings answer: floats, or base64 of little-endian Float32 (what OpenAI's
/// Python client asks for by default).
struct EmbeddingsView: Encodable {
    struct Entry: Encodable {
        let object = "embedding"
        let index: Int
        let vector: [Float]
        let base64: Bool

        enum CodingKeys: String, CodingKey { case object, index, embedding }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(object, forKey: .object)
            try container.encode(index, forKey: .index)
            if base64 {
                var bytes = Data(capacity: vector.count * 4)
                for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                try container.encode(bytes.base64EncodedString(), forKey: .embedding)
            } else {
                try container.encode(vector, forKey: .embedding)
            }
        }
    }

    struct TokenUsage: Encodable {
        let promptTokens: Int
        let totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case totalTokens = "total_tokens"
        }
    }

    let object = "list"
    let data: [Entry]
    let model: String
    let usage: TokenUsage

    init(_ result: EmbeddingResult, base64: Bool) {
        data = result.vectors.enumerated().map { Entry(index: $0, vector: $1, base64: base64) }
        model = result.model
        usage = TokenUsage(promptTokens: result.promptTokens, totalTokens: result.promptTokens)
    }
}
