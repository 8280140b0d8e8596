import Foundation
import Testing
@testable import Retrieval

@Suite("PDF reader")
struct PDFReaderTests {
    static let pdftotextInstalled = PDFTextTool().executableURL() != nil

    private static func line(_ size: Int, _ y: Int, _ text: String) -> TinyPDF.Line {
        TinyPDF.Line(size: size, y: y, text: text)
    }

    @Test("paragraphs come out whole and larger type becomes the heading path",
          .enabled(if: pdftotextInstalled, "pdftotext is not installed (make installs poppler-utils)"))
    func paragraphsAndHeadings() throws {
        let pdf = TinyPDF.make(pages: [[
            Self.line(20, 720, "Quarterly Report"),
            Self.line(11, 690, "Revenue grew by twelve percent in the third quarter, driven by"),
            Self.line(11, 676, "new customers in the northern region."),
            Self.line(11, 650, "Costs stayed flat. The team hired two engineers."),
            Self.line(16, 620, "Outlook"),
            Self.line(11, 596, "We expect steady growth next year."),
        ]])
        let document = try DocumentLoader().load(pdf, fileName: "report.pdf", contentType: nil)
        #expect(document.format == .pdf)
        #expect(document.sections == [
            DocumentSection(
                headingPath: ["Quarterly Report"],
                text: "Revenue grew by twelve percent in the third quarter, driven by new customers in the northern region."
                    + "\n\nCosts stayed flat. The team hired two engineers."),
            DocumentSection(headingPath: ["Quarterly Report", "Outlook"], text: "We expect steady growth next year."),
        ])
    }

    @Test("running headers and page numbers are dropped; a sentence cut by a page break is joined",
          .enabled(if: pdftotextInstalled, "pdftotext is not installed (make installs poppler-utils)"))
    func pagesJoin() throws {
        let bodies = ["Our offices open at nine and close", "at six on weekdays.", "Visitors sign in at the desk."]
        let pages = bodies.enumerated().map { index, body in
            [Self.line(9, 760, "ACME Handbook"), Self.line(11, 700, body), Self.line(9, 40, "\(index + 1)")]
        }
        let document = try DocumentLoader().load(TinyPDF.make(pages: pages), fileName: "handbook.pdf", contentType: nil)
        #expect(document.plainText == "Our offices open at nine and close at six on weekdays.\n\nVisitors sign in at the desk.")
    }

    /// Lines that differ page to page only in their digits were dropped as running headers even
    /// when they were each page's only text, or sat mid-page (attack round 4).
    @Test("a page's only line, or a repeated line mid-page, is text, not a running header",
          .enabled(if: pdftotextInstalled, "pdftotext is not installed (make installs poppler-utils)"))
    func repeatedContentIsKept() throws {
        let invoices = (1...3).map { [Self.line(11, 700, "Invoice 100\($0) for ACME GmbH. Total due: 2\($0)0 EUR.")] }
        let alone = try DocumentLoader().load(TinyPDF.make(pages: invoices), fileName: "invoices.pdf", contentType: nil)
        #expect(alone.plainText.components(separatedBy: "Invoice").count - 1 == 3, "\(alone.plainText)")
        let midPage = (1...3).map { index in
            [Self.line(9, 760, "ACME Handbook"), Self.line(11, 500, "Order \(index) shipped on day \(index)."),
             Self.line(11, 420, "Page body \(index) says something else entirely.")]
        }
        let kept = try DocumentLoader().load(TinyPDF.make(pages: midPage), fileName: "orders.pdf", contentType: nil)
        #expect(kept.plainText.components(separatedBy: "shipped").count - 1 == 3, "\(kept.plainText)")
        #expect(!kept.plainText.contains("ACME Handbook"))
    }

    @Test("a damaged PDF or a file that is no PDF is malformed, not a crash",
          .enabled(if: pdftotextInstalled, "pdftotext is not installed (make installs poppler-utils)"))
    func damaged() {
        let loader = DocumentLoader()
        #expect { try loader.load(Data("hello".utf8), fileName: "x.pdf", contentType: nil) } throws: { error in
            guard case .malformed(let name, let reason)? = error as? LoadingError else { return false }
            return name == "x.pdf" && reason.contains("%PDF-")
        }
        let damaged = Data("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer garbage".utf8)
        #expect { try loader.load(damaged, fileName: "broken.pdf", contentType: nil) } throws: { error in
            guard case .malformed(let name, let reason)? = error as? LoadingError else { return false }
            return name == "broken.pdf" && reason.contains("trailer")
        }
    }

    /// A stand-in `pdftotext` (a shell script) in a folder of its own, for what the real one
    /// cannot be made to do on demand.
    private static func fakeTool(_ body: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-fake-pdftotext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("pdftotext")
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return folder
    }

    @Test("a pdftotext that hangs is stopped at the timeout and the file is refused")
    func hangingToolTimesOut() throws {
        let folder = try Self.fakeTool("exec sleep 30")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tool = PDFTextTool(timeout: .milliseconds(300), searchPath: folder.path)
        let started = ContinuousClock.now
        do {
            _ = try tool.layoutXHTML(of: TinyPDF.make(pages: [[Self.line(12, 700, "Hello")]]), fileName: "slow.pdf")
            Issue.record("a hanging pdftotext was not stopped")
        } catch {
            #expect("\(error)".contains("did not finish"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test("pdftotext gets only a PATH from the server's environment")
    func toolEnvironmentIsMinimal() throws {
        let folder = try Self.fakeTool(#"env > "$(dirname "$0")/environment.txt"; exit 1"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tool = PDFTextTool(searchPath: folder.path)
        _ = try? tool.layoutXHTML(of: TinyPDF.make(pages: [[Self.line(12, 700, "Hello")]]), fileName: "any.pdf")
        let environment = try String(contentsOf: folder.appendingPathComponent("environment.txt"), encoding: .utf8)
        let names = Set(environment.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(names.contains("PATH"))
        #expect(names.isSubset(of: ["PATH", "PWD", "SHLVL", "_", "OLDPWD"]), "\(names.sorted())")
    }

    @Test("a missing pdftotext is named with the way to install it")
    func toolMissing() {
        let reader = PDFReader(tool: PDFTextTool(searchPath: "/nonexistent-\(UUID().uuidString)"))
        #expect(throws: LoadingError.toolMissing(tool: "pdftotext", hint: PDFTextTool.installHint)) {
            try reader.read(TinyPDF.make(pages: [[Self.line(11, 700, "Text")]]), fileName: "a.pdf")
        }
    }

    @Test("lines hyphenated at a line end join as one word; bullets in blocks of their own join their item")
    func layoutJoins() {
        func block(_ lines: String..., height: Double = 10) -> PDFLayout.Block {
            PDFLayout.Block(lines: lines.map { PDFLayout.Line(words: $0.split(separator: " ").map(String.init), height: height) })
        }
        let layout = PDFLayout(pages: [PDFLayout.Page(blocks: [
            block("The infor-", "mation is self-", "Contained here."),
            block("•"),
            block("First item."),
        ])])
        #expect(PDFReader.sections(of: layout).map(\.text) == ["The information is self- Contained here.\n\n• First item."])
    }
}
