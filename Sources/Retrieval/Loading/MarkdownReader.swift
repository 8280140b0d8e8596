import Foundation

/// Reads `.md`: ATX (`## Title`) and setext (`Title` over `===` or `---`) headings build the
/// heading path; fenced code is kept verbatim as one paragraph; links and images are reduced
/// to their text (`[the guide](guide.md)` → `the guide`), reference definitions dropped.
struct MarkdownReader: DocumentReader {
    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        var parser = Parser()
        for line in try utf8Text(data, fileName: fileName).split(separator: "\n", omittingEmptySubsequences: false) {
            parser.consume(line)
        }
        return parser.finish()
    }

    /// A line-by-line block parser: the few block rules that decide headings and paragraphs.
    private struct Parser {
        var builder = SectionBuilder()
        var paragraph: [Substring] = []
        var fence: (marker: Character, length: Int)?
        var code: [Substring] = []

        mutating func consume(_ line: Substring) {
            if let open = fence {
                if Self.isClosingFence(line, of: open) {
                    builder.paragraph(code.joined(separator: "\n"))
                    code = []
                    fence = nil
                } else {
                    code.append(line)
                }
            } else if let opening = Self.openingFence(line) {
                flushParagraph()
                fence = opening
            } else if line.allSatisfy(\.isWhitespace) {
                flushParagraph()
            } else if let (level, title) = Self.atxHeading(line) {
                flushParagraph()
                builder.heading(MarkdownInline.plainText(title), level: level)
            } else if !paragraph.isEmpty, let level = Self.setextLevel(line) {
                builder.heading(MarkdownInline.plainText(paragraph.joined(separator: " ")), level: level)
                paragraph = []
            } else if Self.isThematicBreak(line) {
                flushParagraph()
            } else if paragraph.isEmpty, Self.isLinkReferenceDefinition(line) {
                return
            } else {
                paragraph.append(line)
            }
        }

        mutating func finish() -> [DocumentSection] {
            flushParagraph()
            if !code.isEmpty { builder.paragraph(code.joined(separator: "\n")) }  // an unclosed fence runs to the end
            return builder.sections
        }

        private mutating func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            builder.paragraph(MarkdownInline.plainText(paragraph.joined(separator: "\n")))
            paragraph = []
        }

        /// Up to three spaces of indentation, then the rest of the line.
        private static func unindented(_ line: Substring) -> Substring? {
            let spaces = line.prefix { $0 == " " }.count
            return spaces <= 3 ? line.dropFirst(spaces) : nil
        }

        /// `## Title ##` → (2, "Title").
        static func atxHeading(_ line: Substring) -> (level: Int, title: Substring)? {
            guard let rest = unindented(line) else { return nil }
            let level = rest.prefix { $0 == "#" }.count
            guard (1...6).contains(level) else { return nil }
            var title = rest.dropFirst(level)
            guard title.isEmpty || title.first == " " || title.first == "\t" else { return nil }
            title = title.trimmingWhitespace()
            // A closing sequence of #s is decoration when a space separates it from the title.
            let closing = title.reversed().prefix { $0 == "#" }.count
            if closing == title.count {
                title = ""
            } else if closing > 0, title.dropLast(closing).last?.isWhitespace == true {
                title = title.dropLast(closing).trimmingWhitespace()
            }
            return (level, title)
        }

        /// `===` under a paragraph makes it a level-1 heading, `---` a level-2 one.
        static func setextLevel(_ line: Substring) -> Int? {
            guard let rest = unindented(line)?.trimmingWhitespace(), let marker = rest.first,
                  marker == "=" || marker == "-", rest.allSatisfy({ $0 == marker })
            else { return nil }
            return marker == "=" ? 1 : 2
        }

        /// `***`, `---` or `___` (spaces allowed between), three or more.
        static func isThematicBreak(_ line: Substring) -> Bool {
            guard let rest = unindented(line), let marker = rest.first, "*-_".contains(marker) else { return false }
            let marks = rest.filter { !$0.isWhitespace }
            return marks.count >= 3 && marks.allSatisfy { $0 == marker }
        }

        /// `[label]: https://…`
        static func isLinkReferenceDefinition(_ line: Substring) -> Bool {
            guard let rest = unindented(line), rest.first == "[", let close = rest.firstIndex(of: "]") else { return false }
            let after = rest[rest.index(after: close)...]
            return after.first == ":" && !after.dropFirst().trimmingWhitespace().isEmpty
        }

        static func openingFence(_ line: Substring) -> (marker: Character, length: Int)? {
            guard let rest = unindented(line), let marker = rest.first, marker == "`" || marker == "~" else { return nil }
            let length = rest.prefix { $0 == marker }.count
            guard length >= 3 else { return nil }
            // A backtick fence's info string may not hold backticks (that would be inline code).
            if marker == "`", rest.dropFirst(length).contains("`") { return nil }
            return (marker, length)
        }

        static func isClosingFence(_ line: Substring, of fence: (marker: Character, length: Int)) -> Bool {
            guard let rest = unindented(line) else { return false }
            let length = rest.prefix { $0 == fence.marker }.count
            return length >= fence.length && rest.dropFirst(length).allSatisfy(\.isWhitespace)
        }
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
