import Foundation
import Testing
@testable import Retrieval

@Suite("Document loader")
struct DocumentLoaderTests {
    @Test("plain text loads as one section")
    func plainText() throws {
        let document = try DocumentLoader().load(Data("Hello\n\nWorld".utf8), fileName: "a.txt", contentType: nil)
        #expect(document.format == .text)
        #expect(document.plainText == "Hello\n\nWorld")
    }

    @Test("Windows line endings, a byte-order mark and blank lines of spaces still separate paragraphs")
    func lineEndingsAndByteOrderMark() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + Data("First line\r\nstill first\r\n  \r\nSecond\r\n".utf8)
        let document = try DocumentLoader().load(data, fileName: "notes.txt", contentType: nil)
        #expect(document.plainText == "First line\nstill first\n\nSecond")
    }

    /// What Windows editors save as "Unicode" text was refused as binary (attack round 4).
    @Test("UTF-16 with its byte-order mark reads as text, either byte order; without one it stays binary")
    func utf16WithByteOrderMark() throws {
        let text = "Résumé\r\n\r\nZweiter Absatz 😀"
        let units = Array(text.utf16)
        let little = Data([0xFF, 0xFE] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let big = Data([0xFE, 0xFF] + units.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        for data in [little, big] {
            #expect(try DocumentLoader().load(data, fileName: "notes.txt", contentType: nil).plainText == "Résumé\n\nZweiter Absatz 😀")
        }
        #expect(try DocumentLoader().load(little, fileName: "page.md", contentType: nil).plainText.hasPrefix("Résumé"))
        #expect(throws: LoadingError.binaryContent(fileName: "notes.txt")) {
            try DocumentLoader().load(little.dropFirst(2), fileName: "notes.txt", contentType: nil)
        }
        #expect(throws: LoadingError.binaryContent(fileName: "odd.txt")) {  // a lone surrogate
            try DocumentLoader().load(Data([0xFF, 0xFE, 0x3D, 0xD8, 0x41, 0x00]), fileName: "odd.txt", contentType: nil)
        }
    }

    @Test("unknown formats and binary content are refused by name")
    func refusals() {
        #expect(throws: LoadingError.unsupportedFormat(fileName: "a.exe", contentType: nil)) {
            try DocumentLoader().load(Data("x".utf8), fileName: "a.exe", contentType: nil)
        }
        #expect(throws: LoadingError.binaryContent(fileName: "a.txt")) {
            try DocumentLoader().load(Data([0x41, 0x00, 0x42]), fileName: "a.txt", contentType: nil)
        }
        #expect(throws: LoadingError.binaryContent(fileName: "page.html")) {
            try DocumentLoader().load(Data([0x3C, 0x70, 0x3E, 0xC3, 0x28]), fileName: "page.html", contentType: nil)
        }
    }

    @Test("a document without visible text is refused as empty")
    func emptyDocuments() {
        for (name, content) in [("a.txt", " \n\n "), ("a.html", "<html><head><title>T</title></head><body> </body>"),
                                ("a.csv", "name,city\n"), ("a.json", "{\"a\": null}"), ("a.md", "# Only a heading")] {
            #expect(throws: LoadingError.empty(fileName: name)) {
                try DocumentLoader().load(Data(content.utf8), fileName: name, contentType: nil)
            }
        }
    }

    @Test("the content type decides when the name has no known extension")
    func contentTypeChoosesTheReader() throws {
        let document = try DocumentLoader().load(
            Data("<h1>Title</h1><p>Body</p>".utf8), fileName: "upload", contentType: "text/html; charset=utf-8")
        #expect(document.format == .html)
        #expect(document.sections == [DocumentSection(headingPath: ["Title"], text: "Body")])
    }
}
