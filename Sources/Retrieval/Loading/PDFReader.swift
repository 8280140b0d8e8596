import Foundation

/// Reads `.pdf` through poppler's `pdftotext` (see `PDFTextTool` for the mode). A PDF has no
/// markup for structure, so it is read from the layout: blocks are paragraphs; a short block
/// set clearly larger than the body text is a heading (larger sizes are higher levels); page
/// numbers and running headers or footers repeated on most pages are dropped; a paragraph
/// that a page or column break cut in two (no closing punctuation, next block starting in
/// lower case) is joined again, as are words hyphenated at a line end.
struct PDFReader: DocumentReader {
    var tool = PDFTextTool()

    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        // pdftotext reads nearly anything; a missing header is the plain sign of a non-PDF.
        guard data.prefix(1024).range(of: Data("%PDF-".utf8)) != nil else {
            throw .malformed(fileName: fileName, reason: "no %PDF- header: not a PDF file")
        }
        let layout = try PDFLayout(xhtml: try tool.layoutXHTML(of: data, fileName: fileName), fileName: fileName)
        return Self.sections(of: layout)
    }

    /// The layout's text as sections; separate from running the tool so it can be tested alone.
    static func sections(of layout: PDFLayout) -> [DocumentSection] {
        let blocks = layout.pages.enumerated().flatMap { page, content in content.blocks.map { (page, $0) } }
        let bodyHeight = Self.bodyHeight(of: blocks.map(\.1))
        let repeated = Self.runningBlocks(in: layout)
        let headingLevels = Self.headingLevels(of: blocks.map(\.1), bodyHeight: bodyHeight)

        var builder = SectionBuilder()
        var pending: String?
        for (_, block) in blocks where !repeated.contains(Self.repetitionKey(block)) && !Self.isPageNumber(block) {
            let text = Self.paragraphText(block.lines)
            if let level = headingLevels[Self.roundedHeight(block)], Self.isHeading(block, bodyHeight: bodyHeight) {
                if let paragraph = pending { builder.paragraph(paragraph) }
                pending = nil
                builder.heading(text, level: level)
            } else if let paragraph = pending, Self.continues(paragraph, with: text) {
                pending = paragraph + " " + text
            } else {
                if let paragraph = pending { builder.paragraph(paragraph) }
                pending = text
            }
        }
        if let paragraph = pending { builder.paragraph(paragraph) }
        return builder.sections
    }

    /// The line height carrying the most words: the body text's size.
    static func bodyHeight(of blocks: [PDFLayout.Block]) -> Double {
        var wordsByHeight: [Double: Int] = [:]
        for line in blocks.lazy.flatMap(\.lines) { wordsByHeight[rounded(line.height), default: 0] += line.words.count }
        return wordsByHeight.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    }

    /// A heading: one or two short lines, every one at least a fifth larger than the body text.
    static func isHeading(_ block: PDFLayout.Block, bodyHeight: Double) -> Bool {
        guard bodyHeight > 0, block.lines.count <= 2 else { return false }
        let text = paragraphText(block.lines)
        return text.count <= 150 && text.contains(where: \.isLetter)
            && block.lines.allSatisfy { $0.height >= bodyHeight * 1.2 }
    }

    /// Heading sizes from the largest down, as levels 1, 2, … (at most 6).
    private static func headingLevels(of blocks: [PDFLayout.Block], bodyHeight: Double) -> [Double: Int] {
        let sizes = Set(blocks.filter { isHeading($0, bodyHeight: bodyHeight) }.map(roundedHeight)).sorted(by: >)
        return Dictionary(uniqueKeysWithValues: sizes.enumerated().map { ($1, min($0 + 1, 6)) })
    }

    /// Blocks that recur on at least three pages and half of all pages: running headers and
    /// footers ("Annual Report 2024 — page 7" counts as the same text on every page).
    private static func runningBlocks(in layout: PDFLayout) -> Set<String> {
        guard layout.pages.count >= 3 else { return [] }
        var pagesByKey: [String: Set<Int>] = [:]
        for (page, content) in layout.pages.enumerated() {
            let keys = content.blocks.map(repetitionKey)
            // A running header or footer sits in the page's margin, above or below other text:
            // a page's only line (an invoice a page, differing in its digits) was dropped as
            // one and the document read as empty (attack round 4).
            for (block, key) in zip(content.blocks, keys)
            where isInMargin(block, of: content) && keys.contains(where: { $0 != key }) {
                pagesByKey[key, default: []].insert(page)
            }
        }
        let threshold = max(3, (layout.pages.count + 1) / 2)
        return Set(pagesByKey.filter { $0.value.count >= threshold }.keys)
    }

    /// Whether the block lies in the top or bottom 15 % of its page (any block, where
    /// pdftotext gave no positions).
    private static func isInMargin(_ block: PDFLayout.Block, of page: PDFLayout.Page) -> Bool {
        guard page.height > 0 else { return true }
        return block.bottom <= page.height * 0.15 || block.top >= page.height * 0.85
    }

    /// The block's text without digits, and its size: what a running header keeps page to page.
    private static func repetitionKey(_ block: PDFLayout.Block) -> String {
        "\(roundedHeight(block))|" + paragraphText(block.lines).filter { !$0.isNumber }.lowercased()
    }

    /// A block holding only a page number ("7", "- 7 -", "Page 7", "vii").
    private static func isPageNumber(_ block: PDFLayout.Block) -> Bool {
        let words = paragraphText(block.lines).lowercased().split { $0.isWhitespace || $0 == "-" || $0 == "–" }
        guard let number = words.last, words.count <= 2, words.count == 1 || words.first == "page" else { return false }
        return number.allSatisfy(\.isNumber) || (number.count <= 5 && number.allSatisfy { "ivxlc".contains($0) })
    }

    /// Lines joined with spaces; a word hyphenated across a line end ("infor-" / "mation") is
    /// joined whole.
    static func paragraphText(_ lines: [PDFLayout.Line]) -> String {
        var text = ""
        for line in lines {
            let next = line.text
            if text.isEmpty {
                text = next
            } else if text.hasSuffix("-"), text.dropLast().last?.isLetter == true, next.first?.isLowercase == true {
                text = String(text.dropLast()) + next
            } else {
                text += " " + next
            }
        }
        return text
    }

    /// Whether `next` carries on what `paragraph` left open: a sentence cut by a page or column
    /// break, or a list item whose bullet pdftotext put in a block of its own.
    static func continues(_ paragraph: String, with next: String) -> Bool {
        guard let last = paragraph.last, let first = next.first else { return false }
        if paragraph.count <= 2, !paragraph.contains(where: { $0.isLetter || $0.isNumber }) { return true }
        return !".!?:;\"”)".contains(last) && first.isLowercase
    }

    private static func roundedHeight(_ block: PDFLayout.Block) -> Double {
        rounded(block.lines.map(\.height).max() ?? 0)
    }

    /// Heights to the half point, so tiny differences in glyph boxes do not split one size.
    private static func rounded(_ height: Double) -> Double {
        (height * 2).rounded() / 2
    }
}
