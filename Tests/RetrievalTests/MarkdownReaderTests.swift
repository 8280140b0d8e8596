import Foundation
import Testing
@testable import Retrieval

@Suite("Markdown reader")
struct MarkdownReaderTests {
    private func sections(_ markdown: String) throws -> [DocumentSection] {
        try DocumentLoader().load(Data(markdown.utf8), fileName: "doc.md", contentType: nil).sections
    }

    @Test("ATX and setext headings build the heading path, deeper levels nest and shallower ones close")
    func headingPath() throws {
        let markdown = """
            Guide
            =====
            Welcome.

            ## Install ##
            Run make.

            ### On Linux
            Use apt.

            Usage
            -----
            Call it.
            """
        #expect(try sections(markdown) == [
            DocumentSection(headingPath: ["Guide"], text: "Welcome."),
            DocumentSection(headingPath: ["Guide", "Install"], text: "Run make."),
            DocumentSection(headingPath: ["Guide", "Install", "On Linux"], text: "Use apt."),
            DocumentSection(headingPath: ["Guide", "Usage"], text: "Call it."),
        ])
    }

    /// Every chunk carries its heading path: a 30,000-word heading once became a chunk no chat
    /// could fit (attack round 4). A long heading is cut in the path, its whole text kept.
    @Test("a heading longer than 200 scalars is cut in the path and kept whole in the text; paths stop at 8 levels")
    func longAndDeepHeadings() throws {
        let words = (0..<30_000).map { "word\($0)" }.joined(separator: " ")
        let found = try sections("# \(words)\n\nBody text.\n")
        #expect(found.count == 1)
        let heading = try #require(found.first?.headingPath.first)
        #expect(heading.unicodeScalars.count <= SectionBuilder.maximumHeadingScalars + 1)
        #expect(heading.hasPrefix("word0 word1 ") && heading.hasSuffix("…"))
        #expect(found[0].text == words + "\n\nBody text.")

        let deep = (1...6).map { String(repeating: "#", count: $0) + " Level \($0)\n\ntext \($0)\n" }.joined(separator: "\n")
        #expect(try sections(deep).last?.headingPath == (1...6).map { "Level \($0)" })
        var builder = SectionBuilder()
        for level in 1...20 { builder.heading("H\(level)", level: level) }
        builder.paragraph("deep")
        #expect(builder.sections.last?.headingPath == (1...7).map { "H\($0)" } + ["H20"])
    }

    @Test("fenced code is kept verbatim as one paragraph and a # inside it is no heading")
    func codeFences() throws {
        let markdown = """
            # Build
            ```sh
            # not a heading
            make build

            make test
            ```
            ~~~
            [kept](as-is)
            ~~~
            """
        #expect(try sections(markdown) == [
            DocumentSection(headingPath: ["Build"], text: "# not a heading\nmake build\nmake test\n\n[kept](as-is)"),
        ])
    }

    @Test("links and images read as their text; reference definitions and thematic breaks disappear")
    func inlineLinks() throws {
        let markdown = """
            See [the guide](docs/guide.md "Guide") and ![a diagram](d.png), [a ref][r], \
            <https://example.com>, and `[code](stays)`.

            ---
            [r]: https://example.com/ref
            [![badge](b.svg)](https://ci) done
            """
        #expect(try sections(markdown).map(\.text) == [
            "See the guide and a diagram, a ref, https://example.com, and `[code](stays)`.\n\nbadge done",
        ])
    }

    @Test("a line of dashes after a blank line is a break, not a heading; seven #s are text")
    func notHeadings() throws {
        #expect(try sections("Intro\n\n---\n\n####### seven\n#hashtag").map(\.headingPath) == [[]])
        #expect(try sections("Intro\n\n---\n\n####### seven\n#hashtag").map(\.text) == ["Intro\n\n####### seven\n#hashtag"])
    }
}
