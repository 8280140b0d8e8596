import Retrieval

extension GatewayError {
    /// An unreadable document: 415 for formats Atrium does not read and binary content, 400
    /// for damaged or empty documents, 413 for one that makes too many chunks, 503 when the
    /// server lacks a tool a format needs.
    public static func from(_ error: LoadingError) -> GatewayError {
        if case .unsupportedFormat = error {
            return GatewayError(.unsupportedMediaType, error.description, code: "unsupported_format")
        }
        if case .binaryContent = error {
            return GatewayError(.unsupportedMediaType, error.description, code: "binary_content")
        }
        if case .toolMissing = error {
            return GatewayError(.unavailable, error.description, code: "loader_unavailable")
        }
        if case .tooManyChunks = error {
            return GatewayError(.payloadTooLarge, error.description, code: "document_too_large")
        }
        if case .empty = error {
            return GatewayError(.invalidRequest, error.description, code: "empty_document")
        }
        return GatewayError(.invalidRequest, error.description, code: "unreadable_document")
    }

    public static func from(_ error: KnowledgeError) -> GatewayError {
        switch error {
        case let .invalidSearch(field, _): .invalid(error.description, param: field)
        case .tooManyUploads: GatewayError(.rateLimited, error.description, code: "too_many_uploads", retryAfter: 1)
        }
    }

    /// The server was started without an embedding model.
    static let knowledgeUnavailable = GatewayError(
        .unavailable, "This server runs without an embedding model, so team knowledge is unavailable",
        code: "knowledge_unavailable")
}
