import Foundation
import Gateway
import Retrieval
import Tenancy

/// `POST /v1/collections/{name}/documents` as JSON: `{"name", "text", "content_type"?}`.
struct DocumentBody: Decodable {
    let name: String
    let text: String
    let contentType: String?

    enum CodingKeys: String, CodingKey {
        case name, text
        case contentType = "content_type"
    }

    /// The upload: the text's UTF-8 bytes; without a content type the name's extension
    /// decides, and a name without a known one is plain text (it came as a JSON string).
    var upload: DocumentUpload {
        DocumentUpload(name: name, data: Data(text.utf8), contentType: contentType ?? "text/plain")
    }
}

/// `POST /v1/collections/{name}/search`: `{"query", "top_k"?, "mode"?: "hybrid"|"bm25"|"vector",
/// "group_by"?: "chunk"|"document", "chunks_per_document"?}`.
struct SearchBody: Decodable {
    let query: String
    let topK: Int?
    let mode: SearchMode
    let grouping: SearchGrouping
    let chunksPerDocument: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case query, mode
        case topK = "top_k"
        case groupBy = "group_by"
        case chunksPerDocument = "chunks_per_document"
    }

    init(from decoder: any Decoder) throws {
        // A field this search does not know is refused, not ignored: `{"filter": {...}}` once
        // answered unfiltered results to a client that believed it had filtered (attack round 4).
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        query = try container.decode(String.self, forKey: .query)
        topK = try container.wholeNumber(forKey: .topK)
        chunksPerDocument = try container.wholeNumber(forKey: .chunksPerDocument)
        if let modeName = try container.decodeIfPresent(String.self, forKey: .mode) {
            guard let mode = SearchMode(rawValue: modeName.lowercased()) else {
                throw GatewayError.invalid("'mode' must be hybrid, bm25 or vector", param: "mode")
            }
            self.mode = mode
        } else {
            mode = .hybrid
        }
        if let groupName = try container.decodeIfPresent(String.self, forKey: .groupBy) {
            guard let grouping = SearchGrouping(rawValue: groupName.lowercased()) else {
                throw GatewayError.invalid("'group_by' must be chunk or document", param: "group_by")
            }
            self.grouping = grouping
        } else {
            grouping = .chunk
        }
    }
}

/// `POST /v1/embeddings`: `{"input": string | [string], "model"?, "encoding_format"?, "dimensions"?, "user"?}`.
struct EmbeddingsBody: Decodable {
    enum Encoding: String {
        case float, base64
    }

    let inputs: [String]
    let model: String?
    let encoding: Encoding
    let dimensions: Int?

    enum CodingKeys: String, CodingKey {
        case input, model, dimensions, user
        case encodingFormat = "encoding_format"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.input), (try? container.decodeNil(forKey: .input)) == false else {
            throw GatewayError.invalid("Missing required field 'input'", param: "input")
        }
        do {
            inputs = [try container.decode(String.self, forKey: .input)]
        } catch DecodingError.typeMismatch {
            do {
                inputs = try container.decode([String].self, forKey: .input)
            } catch DecodingError.typeMismatch {
                throw GatewayError.invalid(
                    "'input' must be a string or an array of strings (token arrays are not accepted)", param: "input")
            } catch {
                // Text that is not Unicode (a lone surrogate escape, "\ud800") is said to be so,
                // not taken for a token array (attack round 7).
                throw GatewayError.invalid("'input' holds text that is not valid Unicode", param: "input")
            }
        }
        model = try container.decodeIfPresent(String.self, forKey: .model)
        let format = try container.decodeIfPresent(String.self, forKey: .encodingFormat) ?? "float"
        guard let encoding = Encoding(rawValue: format) else {
            throw GatewayError.invalid("'encoding_format' must be float or base64", param: "encoding_format")
        }
        self.encoding = encoding
        dimensions = try container.wholeNumber(forKey: .dimensions)
    }
}
