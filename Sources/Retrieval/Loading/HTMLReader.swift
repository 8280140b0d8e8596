import Foundation

/// Reads `.html`/`.htm`: the text a browser shows. Headings `h1`–`h6` build the heading path;
/// `head`, `script`, `style`, `noscript`, `template`, `svg` and elements marked `hidden` are
/// dropped; block elements end paragraphs, `br` ends a line; whitespace collapses as a browser
/// collapses it, except inside `pre`; character references are decoded.
struct HTMLReader: DocumentReader {
    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        var walker = Walker()
        for token in HTMLTokenizer(try utf8Text(data, fileName: fileName)) { walker.consume(token) }
        return walker.finish()
    }

    /// Follows the tokens with the little state visible text needs.
    private struct Walker {
        var builder = SectionBuilder()
        /// The text of the paragraph being read; whitespace already collapsed outside `pre`.
        var paragraph = ""
        /// The heading being read, with its level.
        var heading: (level: Int, text: String)?
        /// Open elements whose content is not shown (a stack, since `template` nests).
        var hidden: [String] = []
        /// How many of each element `hidden` holds, so an end tag that closes none of them is
        /// known at once (searching the stack for it made `<div hidden><b>…</i></i>…` quadratic).
        var hiddenCounts: [String: Int] = [:]
        /// Whether `paragraph` holds only whitespace (asked at every cell).
        var paragraphIsBlank = true
        var preDepth = 0
        var inHead = false

        mutating func consume(_ token: HTMLToken) {
            switch token {
            case .text(let bytes):
                guard hidden.isEmpty else { return }
                if inHead {
                    // Text that is not blank also ends the head, as in a browser.
                    guard bytes.contains(where: { !$0.isASCIIWhitespace }) else { return }
                    inHead = false
                }
                append(text(of: bytes))
            case .startTag(let name, let attributes, let selfClosing):
                start(name, attributes: attributes, selfClosing: selfClosing)
            case .endTag(let name):
                end(name)
            }
        }

        mutating func finish() -> [DocumentSection] {
            endHeading()
            endParagraph()
            return builder.sections
        }

        private mutating func start(_ name: String, attributes: [String: String], selfClosing: Bool) {
            if inHead {
                // A browser ends the head at the first element that cannot live in it.
                guard !Self.headContent.contains(name) else { return dropStart(name, selfClosing: selfClosing) }
                inHead = false
            }
            if !hidden.isEmpty { return dropStart(name, selfClosing: selfClosing) }
            if name == "head" { inHead = true; return }
            if Self.dropped.contains(name) || attributes["hidden"] != nil {
                return dropStart(name, selfClosing: selfClosing)
            }
            if let level = Self.headingLevel(name) {
                endHeading()
                endParagraph()
                heading = (level, "")
            } else if name == "br" {
                append("\n")
            } else if name == "td" || name == "th" {
                // Cells of a row read as one line: "Name | Price".
                if !paragraphIsBlank { append(" | ") }
            } else if Self.blocks.contains(name) {
                endParagraph()
            }
            if name == "pre" { preDepth += 1 }
        }

        private mutating func dropStart(_ name: String, selfClosing: Bool) {
            guard !selfClosing, !Self.voidElements.contains(name) else { return }
            hidden.append(name)
            hiddenCounts[name, default: 0] += 1
        }

        private mutating func end(_ name: String) {
            if name == "head" { inHead = false; return }
            if hiddenCounts[name, default: 0] > 0, let open = hidden.lastIndex(of: name) {
                // Amortized: every element searched past is removed with it.
                for closed in hidden[open...] { hiddenCounts[closed]! -= 1 }
                hidden.removeSubrange(open...)
                return
            }
            guard hidden.isEmpty, !inHead else { return }
            if Self.headingLevel(name) != nil {
                endHeading()
            } else if Self.blocks.contains(name) {
                endParagraph()
            }
            if name == "pre" { preDepth = max(0, preDepth - 1) }
        }

        /// Character data as shown: outside `pre`, runs of HTML whitespace become one space (not
        /// trimmed: "a <b>b</b>" keeps its space); a no-break space shows as a plain space.
        private func text(of bytes: ArraySlice<UInt8>) -> String {
            var text = HTMLEntities.decode(preDepth > 0 ? bytes : Self.collapsingWhitespace(bytes))
            if text.utf8.contains(0xA0) { text = String(text.map { $0 == "\u{A0}" ? " " : $0 }) }
            return text
        }

        /// Adds text where it belongs: the open heading or the paragraph.
        private mutating func append(_ text: String) {
            if heading != nil {
                heading!.text += text
            } else {
                paragraph += text
                if paragraphIsBlank { paragraphIsBlank = text.allSatisfy(\.isWhitespace) }
            }
        }

        private mutating func endHeading() {
            guard let open = heading else { return }
            heading = nil
            // Sphinx and many site generators end each heading with a "¶" permalink.
            var title = SectionBuilder.collapsingWhitespace(open.text)
            // Trimmed in one pass from the end: dropping one "¶" at a time copied the title each time.
            if title.hasSuffix("¶") {
                title = String(title[..<(title.lastIndex { $0 != "¶" && !$0.isWhitespace }.map(title.index(after:)) ?? title.startIndex)])
            }
            builder.heading(title, level: open.level)
        }

        private mutating func endParagraph() {
            let lines = paragraph.split(separator: "\n", omittingEmptySubsequences: false)
            let text = preDepth > 0
                ? lines.joined(separator: "\n")
                : lines.map { $0.trimmingWhitespace() }.joined(separator: "\n")
            builder.paragraph(text)
            paragraph = ""
            paragraphIsBlank = true
        }

        /// Runs of ASCII whitespace (what HTML collapses) as one space.
        private static func collapsingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var lastWasSpace = false
            for byte in bytes {
                if byte.isASCIIWhitespace {
                    if !lastWasSpace { output.append(0x20) }
                    lastWasSpace = true
                } else {
                    output.append(byte)
                    lastWasSpace = false
                }
            }
            return output[...]
        }

        private static func headingLevel(_ name: String) -> Int? {
            guard name.count == 2, name.first == "h", let level = name.last?.wholeNumberValue, (1...6).contains(level)
            else { return nil }
            return level
        }

        /// Elements whose content is never shown.
        static let dropped: Set<String> = ["script", "style", "noscript", "template", "svg", "title"]
        /// Elements allowed inside `head`; anything else implies the body began.
        static let headContent: Set<String> = [
            "meta", "link", "title", "style", "script", "base", "noscript", "template",
        ]
        static let voidElements: Set<String> = [
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        ]
        /// Elements that start and end paragraphs.
        static let blocks: Set<String> = [
            "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
            "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "li", "main", "nav",
            "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
        ]
    }
}
