import Foundation

/// Reads `.txt`: one section, paragraphs separated by blank lines as written.
struct PlainTextReader: DocumentReader {
    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        let text = try utf8Text(data, fileName: fileName)
        var builder = SectionBuilder()
        for paragraph in Self.paragraphs(of: text) { builder.paragraph(paragraph) }
        return builder.sections
    }

    /// Runs of lines between blank (or whitespace-only) lines.
    static func paragraphs(of text: String) -> [String] {
        var paragraphs: [String] = []
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !lines.isEmpty { paragraphs.append(lines.joined(separator: "\n")) }
                lines = []
            } else {
                lines.append(line)
            }
        }
        if !lines.isEmpty { paragraphs.append(lines.joined(separator: "\n")) }
        return paragraphs
    }
}
