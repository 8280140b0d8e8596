import Foundation
import Testing
@testable import Retrieval

@Suite("HTML reader")
struct HTMLReaderTests {
    private func sections(_ html: String) throws -> [DocumentSection] {
        try DocumentLoader().load(Data(html.utf8), fileName: "page.html", contentType: nil).sections
    }

    @Test("headings h1–h6 build the heading path; a skipped level still nests")
    func headingPath() throws {
        let html = """
            <h1>Manual</h1><p>Intro</p>
            <h3 id="x">Details<a class="headerlink" href="#x">¶</a></h3><p>Deep</p>
            <h2>Other</h2><p>Side</p>
            """
        #expect(try sections(html) == [
            DocumentSection(headingPath: ["Manual"], text: "Intro"),
            DocumentSection(headingPath: ["Manual", "Details"], text: "Deep"),
            DocumentSection(headingPath: ["Manual", "Other"], text: "Side"),
        ])
    }

    @Test("only visible text: head, script, style, noscript, template and hidden elements are dropped")
    func visibleTextOnly() throws {
        let html = """
            <!DOCTYPE html><html><head><title>Secret title</title><meta charset="utf-8">
            <style>p { color: red }</style><script>var s = "<p>not text</p>";</script></head>
            <body><!-- a comment --><p>Shown</p><noscript>Enable JS</noscript><template><p>Later</p></template>
            <div hidden><p>Hidden</p></div><script type="module">if (a < b && c > d) {}</script><p>Also shown</p>
            </body></html>
            """
        #expect(try sections(html).map(\.text) == ["Shown\n\nAlso shown"])
    }

    @Test("a head without </head> ends where the body's content begins")
    func unclosedHead() throws {
        #expect(try sections("<html><head><title>T</title><p>Body text").map(\.text) == ["Body text"])
        #expect(try sections("<head><meta charset=utf-8>\n<title>T</title>\nBare text").map(\.text) == ["Bare text"])
    }

    @Test("entities decode: named, numeric, hexadecimal, Windows-1252 range; unknown ones stay")
    func entities() throws {
        let html = "<p>Fish &amp; chips &eacute;&#233;&#xE9; &lt;tag&gt; 5&nbsp;km &#150; &bogus; &amp</p>"
        #expect(try sections(html).map(\.text) == ["Fish & chips ééé <tag> 5 km – &bogus; &"])
    }

    @Test("block elements break paragraphs, br breaks lines, inline elements do not, whitespace collapses")
    func blocksAndWhitespace() throws {
        let html = """
            <div>One <b>bold</b>
                 word</div><ul><li>first</li><li>second</li></ul>
            <p>line one<br>line two</p><table><tr><th>Name</th><th>Price</th></tr><tr><td>Tea</td><td>3</td></tr></table>
            """
        #expect(try sections(html).map(\.text) == ["One bold word\n\nfirst\n\nsecond\n\nline one\nline two\n\nName | Price\n\nTea | 3"])
    }

    @Test("pre keeps its line breaks and indentation")
    func preformatted() throws {
        #expect(try sections("<p>Run:</p><pre>for x in y:\n    print(x)</pre>").map(\.text) == ["Run:\n\nfor x in y:\n    print(x)"])
    }

    @Test("broken markup never fails: stray <, unclosed tags and attributes, uppercase names")
    func tolerance() throws {
        #expect(try sections("<P CLASS='a>b'>a < b and c<d</P><H2>T</h2>x <p").map(\.text) == ["a < b and c", "x"])
        #expect(try sections("<P CLASS='a>b'>a < b and c<d</P><H2>T</h2>x <p").map(\.headingPath) == [[], ["T"]])
    }

    @Test("the tokenizer reads tags, attributes and raw text")
    func tokenizer() {
        let tokens = Array(HTMLTokenizer("<a href=\"x?a=1&amp;b=2\" data-x=y disabled>t</a><script>1<2</script>"))
        #expect(tokens == [
            .startTag(name: "a", attributes: ["href": "x?a=1&b=2", "data-x": "y", "disabled": ""], selfClosing: false),
            .text(Array("t".utf8)[...]),
            .endTag(name: "a"),
            .startTag(name: "script", attributes: [:], selfClosing: false),
            .text(Array("1<2".utf8)[...]),
            .endTag(name: "script"),
        ])
    }
}
