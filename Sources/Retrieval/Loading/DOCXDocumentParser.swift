import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Walks `word/document.xml` (WordprocessingML) and reports its paragraphs, headings and table
/// rows to a `SectionBuilder`. Only text runs (`w:t`) count: deleted text, field codes and the
/// fallback copy of drawings are not what a reader sees.
final class DOCXDocumentParser: NSObject, XMLParserDelegate {
    private let styles: DOCXStyles
    private var builder = SectionBuilder()
    /// Open paragraphs: a text box puts paragraphs inside a paragraph.
    private var paragraphs: [Paragraph] = []
    /// The cells of the open table rows, innermost table last.
    private var rows: [[String]] = []
    /// The text of the open table cells, innermost last.
    private var cells: [String] = []
    private var runDepth = 0
    private var inText = false
    /// Depth inside `mc:Fallback`, which repeats the content of `mc:Choice`.
    private var fallbackDepth = 0

    private struct Paragraph {
        var text = ""
        var style: String?
        var outlineLevel: Int?
    }

    private init(styles: DOCXStyles) {
        self.styles = styles
    }

    /// The document's sections.
    /// - Throws: `.malformed` when the XML does not parse.
    static func sections(of xml: Data, styles: DOCXStyles, fileName: String) throws(LoadingError) -> [DocumentSection] {
        let walker = DOCXDocumentParser(styles: styles)
        let parser = XMLParser(data: xml)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = walker
        // On Linux a truncated document can parse "successfully" and only leave parserError set.
        guard parser.parse(), parser.parserError == nil else {
            let line = parser.lineNumber
            throw .malformed(fileName: fileName, reason: "word/document.xml is not well-formed XML (line \(line))")
        }
        return walker.builder.sections
    }

    /// The `w:val` attribute, however the parser names it with namespaces on.
    static func wordValue(_ attributes: [String: String]) -> String? {
        attributes["w:val"] ?? attributes["val"]
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if elementName == "Fallback" { fallbackDepth += 1 }
        guard fallbackDepth == 0 else { return }
        switch elementName {
        case "p": paragraphs.append(Paragraph())
        case "pStyle": paragraphs.indices.last.map { paragraphs[$0].style = Self.wordValue(attributes) }
        case "outlineLvl":
            paragraphs.indices.last.map { paragraphs[$0].outlineLevel = Self.wordValue(attributes).flatMap { Int($0) } }
        case "r": runDepth += 1
        case "t": inText = true
        case "tab" where runDepth > 0: appendText("\t")
        case "br" where runDepth > 0, "cr" where runDepth > 0: appendText("\n")
        case "noBreakHyphen": appendText("-")
        case "tr": rows.append([])
        case "tc": cells.append("")
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText, fallbackDepth == 0 { appendText(string) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName: String?) {
        if elementName == "Fallback" {
            fallbackDepth -= 1
            return
        }
        guard fallbackDepth == 0 else { return }
        switch elementName {
        case "t": inText = false
        case "r": runDepth -= 1
        case "p": paragraphs.popLast().map(endParagraph)
        case "tc":
            if let cell = cells.popLast(), !rows.isEmpty { rows[rows.count - 1].append(cell) }
        case "tr":
            if let row = rows.popLast() { endRow(row) }
        default: break
        }
    }

    private func appendText(_ text: String) {
        guard !paragraphs.isEmpty else { return }
        paragraphs[paragraphs.count - 1].text += text
    }

    private func endParagraph(_ paragraph: Paragraph) {
        if !cells.isEmpty {
            cells[cells.count - 1] += (cells[cells.count - 1].isEmpty ? "" : " ") + paragraph.text
        } else if let level = headingLevel(of: paragraph) {
            builder.heading(paragraph.text, level: level)
        } else {
            builder.paragraph(paragraph.text)
        }
    }

    /// A row's non-empty cells on one line; a row of a nested table goes into its outer cell.
    private func endRow(_ row: [String]) {
        let text = row.map { SectionBuilder.collapsingWhitespace($0) }.filter { !$0.isEmpty }.joined(separator: " | ")
        if !cells.isEmpty {
            cells[cells.count - 1] += (cells[cells.count - 1].isEmpty ? "" : " ") + text
        } else {
            builder.paragraph(text)
        }
    }

    private func headingLevel(of paragraph: Paragraph) -> Int? {
        if let outline = paragraph.outlineLevel { return outline < 9 ? outline + 1 : nil }
        return paragraph.style.flatMap(styles.headingLevel(ofStyle:))
    }
}
