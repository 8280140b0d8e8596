import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The heading level of each paragraph style in `word/styles.xml`. Style ids are localized
/// (a German Word names `Heading 1` "berschrift1"), so the level comes from the style's
/// outline level or its built-in name, following `basedOn` to the style it derives from.
///
/// Every style's level is resolved once, when the part is read: a chain walked per paragraph
/// made a 242 KB document (30,000 styles, each based on the next, and 30,000 paragraphs)
/// take a core for minutes, quadratic in its size (attack round 7).
struct DOCXStyles {
    /// The heading level of each style in the part (nil: body text).
    private var levels: [String: Int?] = [:]

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
        levels = Self.resolve(delegate.styles)
    }

    /// The heading level for a paragraph style id: 0 for a title, 1–9 for headings, nil for body text.
    func headingLevel(ofStyle id: String) -> Int? {
        guard let level = levels[id] else { return Self.builtInLevel(id) }
        return level
    }

    /// Each style's level: its own outline level or built-in name, else its `basedOn` style's
    /// (a style the part lacks by its id's built-in name; a cycle is body text). Each style is
    /// walked once: a chain's result is given to every style on it.
    private static func resolve(_ styles: [String: Style]) -> [String: Int?] {
        var levels: [String: Int?] = [:]
        for start in styles.keys where levels[start] == nil {
            var chain: [String] = []
            var onChain: Set<String> = []
            var current: String? = start
            var level: Int?
            while true {
                guard let id = current else { break }  // based on nothing: body text
                if let known = levels[id] {
                    level = known
                    break
                }
                guard onChain.insert(id).inserted else { break }  // a cycle: body text
                guard let style = styles[id] else {
                    level = builtInLevel(id)
                    break
                }
                chain.append(id)
                if let outline = style.outlineLevel {
                    level = outline < 9 ? outline + 1 : nil
                    break
                }
                if let named = style.name.flatMap(builtInLevel) {
                    level = named
                    break
                }
                current = style.basedOn
            }
            for id in chain { levels[id] = .some(level) }
        }
        return levels
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
