import Foundation

/// Turns uploaded bytes into a `LoadedDocument`, choosing the reader by file name and
/// content type.
///
/// ```swift
/// let document = try DocumentLoader().load(data, fileName: "guide.md", contentType: nil)
/// document.sections.first?.headingPath  // ["Install"]
/// ```
public struct DocumentLoader: Sendable {
    private let pdf: PDFReader

    public init() {
        pdf = PDFReader()
    }

    /// A loader whose PDF conversions stop after `pdfTimeout`.
    public init(pdfTimeout: Duration) {
        pdf = PDFReader(tool: PDFTextTool(timeout: pdfTimeout))
    }

    /// Reads `data` as the format its name or content type declares.
    /// - Throws: `LoadingError` naming what is wrong with the input: an unknown format, binary
    ///   content where text was expected, a damaged file, a missing `pdftotext`, or no text at all.
    public func load(_ data: Data, fileName: String, contentType: String?) throws(LoadingError) -> LoadedDocument {
        guard let format = DocumentFormat(fileName: fileName, contentType: contentType) else {
            throw .unsupportedFormat(fileName: fileName, contentType: contentType)
        }
        let sections = try reader(for: format).read(data, fileName: fileName)
        guard sections.contains(where: { !$0.text.allSatisfy(\.isWhitespace) }) else {
            throw .empty(fileName: fileName)
        }
        return LoadedDocument(format: format, sections: sections)
    }

    private func reader(for format: DocumentFormat) -> any DocumentReader {
        switch format {
        case .text: PlainTextReader()
        case .markdown: MarkdownReader()
        case .html: HTMLReader()
        case .pdf: pdf
        case .docx: DOCXReader()
        case .csv: CSVReader()
        case .json: JSONReader()
        }
    }
}
