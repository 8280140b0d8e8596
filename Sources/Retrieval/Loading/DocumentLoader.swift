import Foundation

/// Turns uploaded bytes into a `LoadedDocument`, choosing the reader by file name and
/// content type.
public struct DocumentLoader: Sendable {
    public init() {}

    /// Reads `data` as the format its name or content type declares.
    /// - Throws: `LoadingError` naming what is wrong with the input.
    public func load(_ data: Data, fileName: String, contentType: String?) throws(LoadingError) -> LoadedDocument {
        guard let format = DocumentFormat(fileName: fileName, contentType: contentType) else {
            throw .unsupportedFormat(fileName: fileName, contentType: contentType)
        }
        switch format {
        case .text, .markdown:
            let text = try Self.utf8Text(data, fileName: fileName)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .empty(fileName: fileName) }
            return LoadedDocument(format: format, sections: [DocumentSection(headingPath: [], text: text)])
        default:
            throw .unsupportedFormat(fileName: fileName, contentType: contentType)
        }
    }

    /// The bytes as UTF-8 text; NUL bytes or invalid UTF-8 mean binary content.
    static func utf8Text(_ data: Data, fileName: String) throws(LoadingError) -> String {
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
            throw .binaryContent(fileName: fileName)
        }
        return text
    }
}
