import Foundation

/// The document formats Atrium can read.
public enum DocumentFormat: String, Sendable, CaseIterable, Codable {
    case text, markdown, html, pdf, docx, csv, json

    /// The format named by a file name's extension or a MIME type, or nil when neither is known.
    /// The extension wins over the content type, which clients often send as a generic
    /// `application/octet-stream`.
    public init?(fileName: String, contentType: String?) {
        let fileExtension = fileName.split(separator: ".").count > 1
            ? fileName.split(separator: ".").last.map { $0.lowercased() } : nil
        if let fileExtension, let format = Self.byExtension[fileExtension] {
            self = format
        } else if let contentType, let format = Self.byMediaType[Self.mediaType(of: contentType)] {
            self = format
        } else {
            return nil
        }
    }

    private static let byExtension: [String: DocumentFormat] = [
        "txt": .text, "text": .text, "md": .markdown, "markdown": .markdown,
        "html": .html, "htm": .html, "pdf": .pdf, "docx": .docx, "csv": .csv, "json": .json,
    ]

    private static let byMediaType: [String: DocumentFormat] = [
        "text/plain": .text, "text/markdown": .markdown, "text/x-markdown": .markdown,
        "text/html": .html, "application/xhtml+xml": .html, "application/pdf": .pdf,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": .docx,
        "text/csv": .csv, "application/json": .json,
    ]

    /// `text/html; charset=utf-8` → `text/html`.
    private static func mediaType(of contentType: String) -> String {
        contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
    }
}
