import Foundation
import Inference
import Testing
import AtriumTestSupport
@testable import Retrieval

/// Every document reader runs in time linear in its input, on random and adversarial input
/// alike (issue 12: 40 KB of nested brackets took 33 s and 2 GB in the Markdown reader).
///
/// Linearity is checked by ratio of the thread's CPU time, not by a wall-clock budget, so a
/// loaded CI machine cannot fail it: the same generator at n and 8n bytes (512 KB and 4 MB, both past the caches), best
/// of three runs each, must take less than 40 times as long (linear is 8, quadratic 64); cases run
/// one at a time so they do not time each other. Each case also ends, at 4 MB, with sections
/// or a ``LoadingError`` (never a crash) and a text no larger than a fixed multiple of its input.
@Suite("Parser linearity", .serialized)
struct ParserLinearityTests {
    static let small = 512 * 1024
    static let large = 8 * small

    /// One adversarial input: a file name (which picks the reader) and text of about `n` bytes.
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let fileName: String
        let make: @Sendable (Int) -> String
        var description: String { "\(fileName): \(name)" }
    }

    static func repeating(_ piece: String, _ n: Int) -> String {
        String(repeating: piece, count: max(1, n / piece.utf8.count))
    }

    /// Seeded random text over `alphabet` (each entry a piece of syntax or a word).
    static func random(_ alphabet: [String], seed: UInt64) -> @Sendable (Int) -> String {
        { n in
            var generator = SplitMix64(seed: seed)
            var text = ""
            text.reserveCapacity(n + 16)
            while text.utf8.count < n { text += alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            return text
        }
    }

    static let markdown: [Case] = [
        Case(name: "nested brackets", fileName: "a.md") { n in
            repeating("[", n / 2) + "a" + repeating("](u)", n / 2)
        },
        Case(name: "nested brackets, never closed", fileName: "a.md") { repeating("[", $0) },
        Case(name: "labels without destinations", fileName: "a.md") { repeating("[a]", $0) },
        Case(name: "links left open", fileName: "a.md") { repeating("[a](", $0) },
        Case(name: "images left open", fileName: "a.md") { repeating("![a][", $0) },
        Case(name: "backtick runs of growing length", fileName: "a.md") { n in
            var text = ""
            var length = 1
            while text.utf8.count < n {
                text += String(repeating: "`", count: length) + "a"
                length = length % 2000 + 1
            }
            return text
        },
        Case(name: "unclosed code spans", fileName: "a.md") { repeating("`a``", $0) },
        Case(name: "angle brackets", fileName: "a.md") { repeating("<", $0) },
        Case(name: "autolinks never closed", fileName: "a.md") { repeating("<a:b", $0) },
        Case(name: "emphasis runs", fileName: "a.md") { repeating("*_", $0) },
        Case(name: "deep lists and quotes", fileName: "a.md") { n in
            repeating((0..<40).map { String(repeating: "  ", count: $0) + "- > item [x](y)" }.joined(separator: "\n") + "\n", n)
        },
        Case(name: "one long line of quotes", fileName: "a.md") { repeating(">", $0) },
        Case(name: "headings and fences", fileName: "a.md") { repeating("# [a\n```\n[b](\n", $0) },
        Case(name: "random syntax", fileName: "a.md", make: random(
            ["[", "]", "(", ")", "!", "`", "``", "<", ">", ":", "@", "\\", "*", "#", "\n", " ", "a", "word ", "\n\n", "---\n"],
            seed: 12)),
    ]

    static let html: [Case] = [
        Case(name: "end tags that close nothing hidden", fileName: "a.html") { n in
            repeating("<div hidden><b>", n / 2) + repeating("</i>", n / 2)
        },
        Case(name: "blank table cells", fileName: "a.html") { repeating("<td> ", $0) },
        Case(name: "a heading of pilcrows", fileName: "a.html") { n in "<h1>" + repeating("¶", n) + "</h1>" },
        Case(name: "angle brackets", fileName: "a.html") { repeating("<", $0) },
        Case(name: "tags never closed", fileName: "a.html") { repeating("<a b=", $0) },
        Case(name: "comment never closed", fileName: "a.html") { n in "<!--" + repeating("-", n) },
        Case(name: "script never closed", fileName: "a.html") { n in "<script>" + repeating("</scrip", n) },
        Case(name: "entities", fileName: "a.html") { repeating("&amp&#x&", $0) },
        Case(name: "random syntax", fileName: "a.html", make: random(
            ["<", ">", "</", "p", "div", " hidden", "=", "\"", "'", "&", ";", "#", "td", "h1", "¶", "<!--", "-->", " ", "a"],
            seed: 13)),
    ]

    static let csv: [Case] = [
        Case(name: "quotes", fileName: "a.csv") { repeating("\"", $0) },
        Case(name: "doubled quotes in one field", fileName: "a.csv") { n in "\"" + repeating("\"\"", n) + "\"" },
        Case(name: "a long header over short rows", fileName: "a.csv") { n in
            repeating("h", n / 2) + "\n" + repeating("x\n", n / 2)
        },
        Case(name: "random syntax", fileName: "a.csv", make: random(
            [",", ";", "\t", "\"", "\n", "a", "word", " "], seed: 14)),
    ]

    static let json: [Case] = [
        Case(name: "a long key over many values", fileName: "a.json") { n in
            "{\"" + repeating("k", n / 2) + "\": {" + (0..<(n / 16)).map { "\"\($0)\":1" }.joined(separator: ",") + "}}"
        },
        Case(name: "nesting deeper than allowed", fileName: "a.json") { n in repeating("[", n) },
        Case(name: "deep arrays of arrays", fileName: "a.json") { n in
            "[" + repeating(String(repeating: "[", count: 200) + "1" + String(repeating: "]", count: 200) + ",", n) + "0]"
        },
        Case(name: "strings with escapes", fileName: "a.json") { n in "[\"" + repeating("\\u00e9\\n", n) + "\"]" },
        Case(name: "random syntax", fileName: "a.json", make: random(
            ["{", "}", "[", "]", "\"", ":", ",", "1", "true", "null", "\\", "a", " "], seed: 15)),
    ]

    static let all = markdown + html + csv + json

    /// The ratio 8× the input may cost: linear is 8, quadratic 64. CI measured 32.35 for a
    /// linear reader on a machine loaded twentyfold, so the bound sits nearer quadratic; the
    /// defects this guards against (issue 12) were far past 64.
    static let linearBound = 40.0

    @Test("every reader takes time linear in its input", arguments: all)
    func linearTime(_ adversarial: Case) throws {
        let small = adversarial.make(Self.small)
        let large = adversarial.make(Self.large)
        // Load on the machine only ever inflates a ratio, so a ratio past the bound is measured
        // again (up to three rounds) and the smallest counts; a quadratic reader stays near 64
        // in every round.
        var ratio = Double.infinity
        var times = (small: 0.0, large: 0.0)
        for _ in 0..<3 where ratio >= Self.linearBound {
            let smallTime = (0..<3).map { _ in Self.time(small, adversarial.fileName) }.min()!
            let largeTime = (0..<3).map { _ in Self.time(large, adversarial.fileName) }.min()!
            if largeTime / max(smallTime, 0.005) < ratio {
                ratio = largeTime / max(smallTime, 0.005)
                times = (smallTime, largeTime)
            }
        }
        #expect(ratio < Self.linearBound, "\(adversarial): \(small.utf8.count) bytes took \(times.small) s, \(large.utf8.count) took \(times.large) s")
    }

    @Test("at 4 MB every reader ends with sections or a LoadingError, and text in proportion to its input", arguments: all)
    func saneOutput(_ adversarial: Case) throws {
        let text = adversarial.make(Self.large)
        // The loader throws only `LoadingError` (typed throws): refusing malformed input is a
        // fine answer (a 4xx); what is read must be in proportion to the input.
        guard let document = try? DocumentLoader().load(Data(text.utf8), fileName: adversarial.fileName, contentType: nil)
        else { return }
        let output = document.sections.reduce(0) { $0 + $1.text.utf8.count + $1.headingPath.joined().utf8.count }
        #expect(output <= 80 * text.utf8.count + 1024, "\(adversarial): \(output) bytes of text from \(text.utf8.count)")
    }

    @Test("chunking a long unbroken run of text takes time linear in it", arguments: [
        String(repeating: "x", count: 1), "word ", "a.b,c;", "é",
    ])
    func chunkingIsLinear(_ piece: String) {
        // About four bytes a token, as WordPiece reads text without spaces.
        let chunker = Chunker(targetTokens: 200, overlapTokens: 40, countTokens: { ($0.utf8.count + 3) / 4 + 2 })
        func seconds(_ bytes: Int) -> Double {
            let text = Self.repeating(piece, bytes)
            let document = LoadedDocument(format: .text, sections: [DocumentSection(headingPath: [], text: text)])
            return (0..<3).map { _ in
                ThreadCPUTime.seconds { _ = chunker.chunks(of: document) }
            }.min()!
        }
        let small = seconds(64 * 1024)
        let large = seconds(512 * 1024)
        #expect(large / max(small, 0.005) < Self.linearBound, "\(piece): 64 KB took \(small) s, 512 KB \(large) s")
    }

    /// DOCX bodies of about n bytes of WordprocessingML.
    static let docxBodies: [(name: String, make: @Sendable (Int) -> String)] = [
        ("many paragraphs", { n in repeating(TinyDOCX.paragraph("Refunds take five days."), n) }),
        ("one paragraph of many runs and tabs", { n in
            "<w:p>" + repeating("<w:r><w:t>a</w:t><w:tab/><w:br/></w:r>", n) + "</w:p>"
        }),
        ("one table cell of many paragraphs", { n in
            "<w:tbl><w:tr><w:tc>" + repeating(TinyDOCX.paragraph("cell"), n) + "</w:tc></w:tr></w:tbl>"
        }),
        ("many headings", { n in repeating(TinyDOCX.paragraph("Title", style: "Heading2") + TinyDOCX.paragraph("text"), n) }),
    ]

    @Test("reading a .docx takes time linear in its document part", arguments: 0..<4)
    func docxIsLinear(_ which: Int) throws {
        let body = Self.docxBodies[which]
        let small = try TinyDOCX.make(body: body.make(Self.small))
        let large = try TinyDOCX.make(body: body.make(Self.large))
        func seconds(_ data: Data) -> Double {
            (0..<2).map { _ in
                ThreadCPUTime.seconds { _ = try? DocumentLoader().load(data, fileName: "a.docx", contentType: nil) }
            }.min()!
        }
        let smallTime = seconds(small)
        let largeTime = seconds(large)
        #expect(largeTime / max(smallTime, 0.005) < 32, "\(body.name): \(smallTime) s, then \(largeTime) s for 8×")
        #expect(try DocumentLoader().load(large, fileName: "a.docx", contentType: nil).sections.isEmpty == false)
    }

    @Test("nested brackets read as their innermost text")
    func nestedBracketsReadAsText() {
        let depth = 100_000
        let text = String(repeating: "[", count: depth) + "core" + String(repeating: "](u)", count: depth)
        #expect(MarkdownInline.plainText(text) == "core")
    }

    @Test("a label's syntax must close inside the label, as when the label is read alone")
    func labelsBoundTheirContent() {
        #expect(MarkdownInline.plainText("[a [b](c](e) d)") == "a [b](c d)")
        #expect(MarkdownInline.plainText("[x `a](b` y](z)") == "[x `a](b` y](z)")
        #expect(MarkdownInline.plainText("[a [b](c) d](e) [f][g]") == "a b d f")
        #expect(MarkdownInline.plainText("[see <https://x>](y) and `[a](b)`") == "see https://x and `[a](b)`")
        #expect(MarkdownInline.plainText("\\[not](a link)") == "\\[not](a link)")
    }

    static func time(_ text: String, _ fileName: String) -> Double {
        let data = Data(text.utf8)
        return ThreadCPUTime.seconds { _ = try? DocumentLoader().load(data, fileName: fileName, contentType: nil) }
    }
}
