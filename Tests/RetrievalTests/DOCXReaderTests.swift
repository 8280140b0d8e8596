import Foundation
import Testing
import ZIPFoundation
@testable import Retrieval

@Suite("DOCX reader")
struct DOCXReaderTests {
    private func sections(_ data: Data) throws -> [DocumentSection] {
        try DocumentLoader().load(data, fileName: "doc.docx", contentType: nil).sections
    }

    @Test("paragraphs in order; Title and Heading N styles build the heading path")
    func headings() throws {
        let body = [
            TinyDOCX.paragraph("Handbook", style: "Title"),
            TinyDOCX.paragraph("Welcome aboard."),
            TinyDOCX.paragraph("Travel", style: "Heading1"),
            TinyDOCX.paragraph("Book trains early."),
            TinyDOCX.paragraph("Expenses", style: "Heading2"),
            TinyDOCX.paragraph("Keep receipts."),
            TinyDOCX.paragraph("Security", style: "Heading1"),
            TinyDOCX.paragraph("Lock your screen."),
        ].joined()
        #expect(try sections(TinyDOCX.make(body: body)) == [
            DocumentSection(headingPath: ["Handbook"], text: "Welcome aboard."),
            DocumentSection(headingPath: ["Handbook", "Travel"], text: "Book trains early."),
            DocumentSection(headingPath: ["Handbook", "Travel", "Expenses"], text: "Keep receipts."),
            DocumentSection(headingPath: ["Handbook", "Security"], text: "Lock your screen."),
        ])
    }

    @Test("localized style ids resolve through styles.xml: built-in names, outline levels, basedOn")
    func localizedStyles() throws {
        let styles = """
            <w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>
            <w:style w:type="paragraph" w:styleId="Kapitel"><w:name w:val="Kapitel"/>\
            <w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="Hausstil"><w:name w:val="Hausstil"/><w:basedOn w:val="berschrift1"/></w:style>
            <w:style w:type="paragraph" w:styleId="Standard"><w:name w:val="Normal"/></w:style>
            """
        let body = [
            TinyDOCX.paragraph("Einleitung", style: "berschrift1"),
            TinyDOCX.paragraph("Text eins.", style: "Standard"),
            TinyDOCX.paragraph("Abschnitt", style: "Kapitel"),
            TinyDOCX.paragraph("Text zwei."),
            TinyDOCX.paragraph("Anhang", style: "Hausstil"),
            TinyDOCX.paragraph("Text drei."),
        ].joined()
        #expect(try sections(TinyDOCX.make(body: body, styles: styles)).map(\.headingPath) == [
            ["Einleitung"], ["Einleitung", "Abschnitt"], ["Anhang"],
        ])
    }

    /// Attack round 7: 30,000 styles, each based on the next, and 30,000 paragraphs of the
    /// first (242 KB zipped) kept a core for minutes — the chain was walked per paragraph.
    /// Resolved once per style, the level is still the chain's end, and cycles are body text.
    @Test("a long basedOn chain resolves once per style, not once per paragraph")
    func longStyleChains() throws {
        let count = 20_000
        var styles = (0..<count).map {
            #"<w:style w:type="paragraph" w:styleId="s\#($0)"><w:name w:val="s\#($0)"/><w:basedOn w:val="s\#($0 + 1)"/></w:style>"#
        }
        styles.append(#"<w:style w:type="paragraph" w:styleId="s\#(count)"><w:name w:val="heading 2"/></w:style>"#)
        styles.append(#"<w:style w:type="paragraph" w:styleId="a"><w:basedOn w:val="b"/></w:style>"#)
        styles.append(#"<w:style w:type="paragraph" w:styleId="b"><w:basedOn w:val="a"/></w:style>"#)
        let body = TinyDOCX.paragraph("Loop", style: "a") + TinyDOCX.paragraph("Body.")
            + (0..<count).map { TinyDOCX.paragraph("H\($0)", style: "s0") }.joined() + TinyDOCX.paragraph("Last.")
        let started = ContinuousClock.now
        let read = try sections(TinyDOCX.make(body: body, styles: styles.joined(separator: "\n")))
        #expect(ContinuousClock.now - started < .seconds(30), "quadratic again")
        #expect(read.first?.headingPath == [] && read.first?.text.hasPrefix("Loop") == true, "a cycle is body text")
        #expect(read.last == DocumentSection(headingPath: ["H\(count - 1)"], text: "Last."), "s0 is the chain's heading 2")
    }

    @Test("runs join, tabs and breaks are kept, deleted text and field codes are not, tables read by row")
    func runsAndTables() throws {
        let body = """
            <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>\
            <w:r><w:t>Total</w:t></w:r><w:r><w:tab/><w:t>42</w:t></w:r><w:r><w:br/><w:t xml:space="preserve">next line</w:t></w:r>\
            <w:del><w:r><w:delText>removed</w:delText></w:r></w:del>\
            <w:r><w:instrText>PAGE \\* MERGEFORMAT</w:instrText></w:r><w:r><w:t>.</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Price</w:t></w:r></w:p></w:tc></w:tr>\
            <w:tr><w:tc><w:p><w:r><w:t>Tea</w:t></w:r></w:p><w:p><w:r><w:t>green</w:t></w:r></w:p></w:tc>\
            <w:tc><w:p><w:r><w:t>3</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            """
        #expect(try sections(TinyDOCX.make(body: body)).map(\.text) == ["Total\t42\nnext line.\n\nName | Price\n\nTea green | 3"])
    }

    @Test("a text box's fallback copy is read once")
    func textBoxFallback() throws {
        let box = "<w:txbxContent>\(TinyDOCX.paragraph("In the box."))</w:txbxContent>"
        let body = """
            <w:p><w:r><w:t>Before.</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">\(box)</mc:Choice>\
            <mc:Fallback>\(box)</mc:Fallback></mc:AlternateContent></w:r></w:p>
            """
        #expect(try sections(TinyDOCX.make(body: body)).map(\.text) == ["In the box.\n\nBefore."])
    }

    @Test("not a ZIP, a ZIP without word/document.xml, or broken XML are malformed")
    func malformed() throws {
        let loader = DocumentLoader()
        func reason(_ data: Data) -> String? {
            do {
                _ = try loader.load(data, fileName: "bad.docx", contentType: nil)
                return nil
            } catch {
                guard case .malformed(_, let reason) = error else { return nil }
                return reason
            }
        }
        #expect(reason(Data("plain text".utf8))?.contains("ZIP") == true)
        #expect(reason(try TinyDOCX.archive(["readme.txt": "hi"]))?.contains("word/document.xml") == true)
        #expect(reason(try TinyDOCX.archive(["word/document.xml": "<w:document><w:body>"]))?.contains("XML") == true)
    }
}
