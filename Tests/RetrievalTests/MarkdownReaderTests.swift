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
