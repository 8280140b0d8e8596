/// Collects a document's paragraphs under the headings that lead to them, in reading order.
///
/// Readers report headings with a level (1 for a top-level heading; a document title may use
/// 0) and paragraphs as they meet them; the builder keeps the heading path: a heading closes
/// every open heading of its level or deeper, so a skipped level (h1 then h3) still nests.
///
/// ```swift
/// var builder = SectionBuilder()
/// builder.heading("Install", level: 1)
/// builder.paragraph("Run make.")
/// builder.sections  // [DocumentSection(headingPath: ["Install"], text: "Run make.")]
/// ```
struct SectionBuilder {
    /// The longest heading a path keeps, in Unicode scalars: every chunk of a section carries
    /// its heading path (stored, indexed, read by the model), so a 192 KB heading over 162
    /// chunks once cost 40 s of CPU and 100 MB, and a 30,000-word one made a chunk no chat
    /// could fit (attack round 4). A longer heading is cut in the path and its whole text
    /// starts the section, so nothing is lost.
    static let maximumHeadingScalars = 200
    /// The deepest heading path: a deeper heading takes the deepest open one's place.
    static let maximumDepth = 8

    private var finished: [DocumentSection] = []
    private var openHeadings: [(level: Int, title: String)] = []
    private var paragraphs: [String] = []

    /// The sections so far, including the one still open. Sections without text are left out.
    var sections: [DocumentSection] {
        var all = finished
        if let open = openSection { all.append(open) }
        return all
    }

    /// Starts a section under `title`. A heading with no visible text changes nothing.
    mutating func heading(_ title: String, level: Int) {
        let title = Self.collapsingWhitespace(title)
        guard !title.isEmpty else { return }
        closeSection()
        openHeadings.removeAll { $0.level >= level }
        if openHeadings.count >= Self.maximumDepth { openHeadings.removeLast() }
        let scalars = title.unicodeScalars
        guard scalars.count > Self.maximumHeadingScalars else {
            openHeadings.append((level, title))
            return
        }
        var cut = String(scalars.prefix(Self.maximumHeadingScalars))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > Self.maximumHeadingScalars / 2 {
            cut = String(cut[..<space])
        }
        openHeadings.append((level, cut + "…"))
        paragraph(title)
    }

    /// Adds a paragraph to the open section; blank lines inside it are dropped so that it stays
    /// one paragraph for the chunker. Whitespace-only paragraphs are ignored.
    mutating func paragraph(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingTrailingWhitespace() }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { return }
        paragraphs.append(lines.joined(separator: "\n"))
    }

    private var openSection: DocumentSection? {
        guard !paragraphs.isEmpty else { return nil }
        return DocumentSection(headingPath: openHeadings.map(\.title), text: paragraphs.joined(separator: "\n\n"))
    }

    private mutating func closeSection() {
        if let open = openSection { finished.append(open) }
        paragraphs = []
    }

    /// Runs of whitespace (newlines included) become one space; the ends are trimmed.
    static func collapsingWhitespace(_ text: some StringProtocol) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[startIndex..<end]
    }
}
