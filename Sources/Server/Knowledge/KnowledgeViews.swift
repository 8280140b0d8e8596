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

/// A document; after an upload also what the upload did (`added`, `unchanged`, `replaced`)
/// and, for a replaced one, how many chunks kept their vectors from the version before.
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
    let reusedChunks: Int?

    init(_ ingestion: DocumentIngestion) {
        self.init(ingestion.write.document, write: ingestion.write, reusedChunks: ingestion.reusedChunks)
    }

    init(_ document: KnowledgeDocument, write: DocumentWrite? = nil, reusedChunks: Int? = nil) {
        id = document.id.rawValue
        name = document.name
        format = document.format
        bytes = document.byteCount
        chunks = document.chunkCount
        createdAt = document.createdAt
        status = write?.status
        if case let .replaced(_, previous) = write {
            replaced = previous.rawValue
            self.reusedChunks = reusedChunks
        } else {
            replaced = nil
            self.reusedChunks = nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, object, name, format, bytes, chunks, status, replaced
        case createdAt = "created_at"
        case reusedChunks = "reused_chunks"
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
        try container.encodeIfPresent(reusedChunks, forKey: .reusedChunks)
    }
}

/// `{"id", "object", "deleted": true}`, as OpenAI answers deletes.
struct DeletedView: Encodable {
    let id: String
    let object: String
    let deleted = true
}

/// `{"object": "list", "mode", "group_by": "chunk", "results": [{"document_id", "document_name", "chunk",
/// "heading_path", "text", "score"}]}`, or with `"group_by": "document"` one result per document:
/// `{"document_id", "document_name", "score", "chunks": [{"chunk", "heading_path", "text", "score"}]}`.
struct SearchResultsView: Encodable {
    struct Result: Encodable {
        let documentID: String
        let documentName: String
        let chunk: Int
        let headingPath: [String]
        let text: String
        let score: Double

        init(_ hit: SearchHit) {
            documentID = hit.chunk.documentID.rawValue
            documentName = hit.chunk.documentName
            chunk = hit.chunk.index
            headingPath = hit.chunk.headingPath
            text = hit.chunk.text
            score = hit.score
        }

        enum CodingKeys: String, CodingKey {
            case chunk, text, score
            case documentID = "document_id"
            case documentName = "document_name"
            case headingPath = "heading_path"
        }
    }

    /// A chunk inside a document result: the document's fields are the result's own.
    struct DocumentChunk: Encodable {
        let chunk: Int
        let headingPath: [String]
        let text: String
        let score: Double

        enum CodingKeys: String, CodingKey {
            case chunk, text, score
            case headingPath = "heading_path"
        }
    }

    struct DocumentResult: Encodable {
        let documentID: String
        let documentName: String
        let score: Double
        let chunks: [DocumentChunk]

        enum CodingKeys: String, CodingKey {
            case score, chunks
            case documentID = "document_id"
            case documentName = "document_name"
        }
    }

    let object = "list"
    let mode: String
    let groupBy: String
    let results: [Result]
    let documents: [DocumentResult]

    init(_ results: SearchResults, mode: SearchMode, grouping: SearchGrouping) {
        self.mode = mode.rawValue
        groupBy = grouping.rawValue
        switch grouping {
        case .chunk:
            self.results = results.hits.map(Result.init)
            documents = []
        case .document:
            self.results = []
            documents = results.documents.map { document in
                DocumentResult(
                    documentID: document.documentID.rawValue, documentName: document.documentName, score: document.score,
                    chunks: document.chunks.map {
                        DocumentChunk(chunk: $0.chunk.index, headingPath: $0.chunk.headingPath, text: $0.chunk.text, score: $0.score)
                    })
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case object, mode, results
        case groupBy = "group_by"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(mode, forKey: .mode)
        try container.encode(groupBy, forKey: .groupBy)
        if groupBy == SearchGrouping.document.rawValue {
            try container.encode(documents, forKey: .results)
        } else {
            try container.encode(results, forKey: .results)
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
