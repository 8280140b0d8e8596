import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The text of a PDF as `pdftotext -bbox-layout` lays it out: pages of blocks (paragraphs) in
/// reading order, each line with its height, which stands for its font size.
struct PDFLayout {
    struct Line: Equatable {
        var words: [String]
        /// `yMax - yMin` in points.
        var height: Double
        var text: String { words.joined(separator: " ") }
    }

    /// A paragraph, as pdftotext groups lines; the blocks of one flow (column) come in order.
    struct Block: Equatable {
        var lines: [Line]
        /// `yMin` and `yMax`: points from the top of the page (0 where not given).
        var top = 0.0
        var bottom = 0.0
    }

    struct Page: Equatable {
        var blocks: [Block]
        /// In points (0 where not given).
        var height = 0.0
    }

    var pages: [Page]

    init(pages: [Page]) {
        self.pages = pages
    }

    /// Parses pdftotext's XHTML output.
    /// - Throws: `.malformed` when the output is not the expected XML.
    init(xhtml: Data, fileName: String) throws(LoadingError) {
        let delegate = Delegate()
        let parser = XMLParser(data: xhtml)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        // On Linux a truncated document can parse "successfully" and only leave parserError set.
        guard parser.parse(), parser.parserError == nil else {
            throw .malformed(fileName: fileName, reason: "pdftotext's layout output is not well-formed XML (line \(parser.lineNumber))")
        }
        pages = delegate.pages
    }

    /// Collects pages, blocks, lines and words; everything else in the XHTML is ignored.
    private final class Delegate: NSObject, XMLParserDelegate {
        var pages: [Page] = []
        private var blocks: [Block] = []
        private var lines: [Line] = []
        private var words: [String] = []
        private var word: String?
        private var lineHeight = 0.0
        private var pageHeight = 0.0
        private var blockSpan = (top: 0.0, bottom: 0.0)

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            switch elementName {
            case "page":
                blocks = []
                pageHeight = Double(attributes["height"] ?? "") ?? 0
            case "block":
                blockSpan = (Double(attributes["yMin"] ?? "") ?? 0, Double(attributes["yMax"] ?? "") ?? 0)
            case "line":
                words = []
                lineHeight = (Double(attributes["yMax"] ?? "") ?? 0) - (Double(attributes["yMin"] ?? "") ?? 0)
            case "word": word = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            word? += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?) {
            switch elementName {
            case "word":
                if let word, !word.isEmpty { words.append(word) }
                word = nil
            case "line":
                if !words.isEmpty { lines.append(Line(words: words, height: lineHeight)) }
            case "block":
                if !lines.isEmpty { blocks.append(Block(lines: lines, top: blockSpan.top, bottom: blockSpan.bottom)) }
                lines = []
            case "page":
                pages.append(Page(blocks: blocks, height: pageHeight))
            default: break
            }
        }
    }
}
