/// Why a document could not be read. Each case maps to a clear 4xx answer (415 for
/// formats Atrium does not read, 400 for damaged content).
public enum LoadingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name and content type name no format Atrium reads.
    case unsupportedFormat(fileName: String, contentType: String?)
    /// The content is binary where text was expected (NUL bytes, invalid UTF-8).
    case binaryContent(fileName: String)
    /// The content claims a format but does not parse as it.
    case malformed(fileName: String, reason: String)
    /// A helper program the format needs (e.g. `pdftotext`) is not installed.
    case toolMissing(tool: String, hint: String)
    /// The document holds no visible text.
    case empty(fileName: String)
    /// The document makes more chunks than one document may hold.
    case tooManyChunks(fileName: String, chunks: Int, limit: Int)

    public var description: String {
        switch self {
        case .unsupportedFormat(let fileName, let contentType):
            "unsupported document format for '\(fileName)'\(contentType.map { " (\($0))" } ?? ""): "
                + "use .txt, .md, .html, .pdf, .docx, .csv or .json"
        case .binaryContent(let fileName):
            "'\(fileName)' looks like binary content, not text"
        case .malformed(let fileName, let reason):
            "'\(fileName)' could not be read: \(reason)"
        case .toolMissing(let tool, let hint):
            "'\(tool)' is not installed: \(hint)"
        case .empty(let fileName):
            "'\(fileName)' holds no text"
        case .tooManyChunks(let fileName, let chunks, let limit):
            "'\(fileName)' makes \(chunks) chunks, more than the \(limit) one document may hold; split it into several documents"
        }
    }
}
