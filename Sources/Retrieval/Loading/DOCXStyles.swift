import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The heading level of each paragraph style in `word/styles.xml`. Style ids are localized
/// (a German Word names `Heading 1` "berschrift1"), so the level comes from the style's
/// outline level or its built-in name, following `basedOn` to the style it derives from.
struct DOCXStyles {
    private var styles: [String: Style] = [:]

    private struct Style {
        var name: String?
        var outlineLevel: Int?
        var basedOn: String?
    }

    /// No styles part: only the English built-in ids (`Heading1`, `Title`) are known.
    init() {}

    init(xml: Data, fileName: String) throws(LoadingError) {
        let delegate = Delegate()
        let parser = XMLParser(data: xml)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        // On Linux a truncated document can parse "successfully" and only leave parserError set.
        guard parser.parse(), parser.parserError == nil else {
            throw .malformed(fileName: fileName, reason: "word/styles.xml is not well-formed XML")
        }
        styles = delegate.styles
    }

    /// The heading level for a paragraph style id: 0 for a title, 1–9 for headings, nil for body text.
    func headingLevel(ofStyle id: String) -> Int? {
        var visited: Set<String> = []
        var current: String? = id
        while let styleID = current, visited.insert(styleID).inserted {
            guard let style = styles[styleID] else { return Self.builtInLevel(styleID) }
            if let outline = style.outlineLevel { return outline < 9 ? outline + 1 : nil }
            if let level = style.name.flatMap(Self.builtInLevel) { return level }
            current = style.basedOn
        }
        return nil
    }

    /// "heading 2" / "Heading2" → 2, "Title" → 0.
    static func builtInLevel(_ name: String) -> Int? {
        let compact = name.lowercased().filter { !$0.isWhitespace }
        if compact == "title" { return 0 }
        guard compact.hasPrefix("heading"), let level = Int(compact.dropFirst("heading".count)), (1...9).contains(level)
        else { return nil }
        return level
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var styles: [String: Style] = [:]
        private var current: (id: String, style: Style)?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            let value = DOCXDocumentParser.wordValue(attributes)
            switch elementName {
            case "style" where (attributes["w:type"] ?? attributes["type"]) == "paragraph":
                current = (attributes["w:styleId"] ?? attributes["styleId"] ?? "", Style())
            case "name": current?.style.name = value
            case "basedOn": current?.style.basedOn = value
            case "outlineLvl": current?.style.outlineLevel = value.flatMap { Int($0) }
            default: break
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?) {
            if elementName == "style", let (id, style) = current {
                styles[id] = style
                current = nil
            }
        }
    }
}
