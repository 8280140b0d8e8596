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

    @Test("unknown formats and binary content are refused by name")
    func refusals() {
        #expect(throws: LoadingError.unsupportedFormat(fileName: "a.exe", contentType: nil)) {
            try DocumentLoader().load(Data("x".utf8), fileName: "a.exe", contentType: nil)
        }
        #expect(throws: LoadingError.binaryContent(fileName: "a.txt")) {
            try DocumentLoader().load(Data([0x41, 0x00, 0x42]), fileName: "a.txt", contentType: nil)
        }
    }
}
