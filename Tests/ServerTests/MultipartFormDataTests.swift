import Foundation
import Testing
@testable import Server

@Suite struct MultipartFormDataTests {
    @Test func partsFieldsAndBinaryContentSurviveIntact() throws {
        let content = Data([0x00, 0x0D, 0x0A, 0x2D, 0x2D, 0xFF]) + Data("\r\n--almost-boundary".utf8)
        let body = KnowledgeRouteTests.multipart(
            file: content, fileName: "data.bin", fields: ["name": "docs/a b.txt", "content_type": "text/plain"], boundary: "XyZ")
        let form = try MultipartFormData(body: body, boundary: "XyZ")
        #expect(form.parts.count == 3)
        #expect(form.text(named: "name") == "docs/a b.txt")
        let file = try #require(form.part(named: "file"))
        #expect(file.fileName == "data.bin" && file.contentType == "application/octet-stream")
        #expect(file.body == content)
    }

    @Test func bareLineFeedsPreamblesAndExtendedFileNamesAreAccepted() throws {
        let body = Data(
            "preamble text\n--b\ncontent-disposition: form-data; name=file; filename*=UTF-8''na%C3%AFve%20notes.txt\n\nhello\n--b--\n"
                .utf8)
        let form = try MultipartFormData(body: body, boundary: "b")
        let file = try #require(form.part(named: "file"))
        #expect(file.fileName == "naïve notes.txt" && file.body == Data("hello".utf8))
    }

    @Test func boundariesComeFromTheContentType() throws {
        #expect(try MultipartFormData.boundary(ofContentType: "multipart/form-data; boundary=\"a;b\"") == "a;b")
        #expect(try MultipartFormData.boundary(ofContentType: "Multipart/Form-Data;boundary=abc") == "abc")
        #expect(try MultipartFormData.boundary(ofContentType: "application/json") == nil)
        #expect(throws: (any Error).self) { try MultipartFormData.boundary(ofContentType: "multipart/form-data") }
    }

    @Test func damagedBodiesAreRefused() {
        let good = KnowledgeRouteTests.multipart(file: Data("x".utf8), fileName: "a.txt", boundary: "B")
        for body in [
            good.prefix(good.count - 8),  // no closing boundary
            Data("no delimiter at all".utf8),
            Data("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--".utf8),  // no Content-Disposition
            Data("--B\r\nContent-Disposition: form-data; name=\"f\"".utf8),  // no blank line
        ] {
            #expect(throws: (any Error).self) { try MultipartFormData(body: Data(body), boundary: "B") }
        }
    }

    /// A part with no content — its delimiter right after the blank line — is an empty part.
    /// The blank line's line break was once taken for the delimiter's, so the content ended
    /// before it began: a 97-byte upload from any member key crashed the server.
    @Test func aPartWithNoContentIsEmptyNotACrash() throws {
        for body in [
            "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n--XX--\r\n",
            "--XX\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\n\n--XX--\n",
            "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--XX\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nB\r\n--XX--",
        ] {
            let form = try MultipartFormData(body: Data(body.utf8), boundary: "XX")
            #expect(form.parts.first?.body == Data(), "\(body)")
        }
        let two = try MultipartFormData(
            body: Data("--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--XX\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nB\r\n--XX--".utf8),
            boundary: "XX")
        #expect(two.text(named: "b") == "B")
    }

    /// Headers that are not UTF-8 (a Latin-1 file name) are refused, not repaired: `résumé` and
    /// `rèsumè` in Latin-1 would both become `r�sum�` and the second upload replace the first.
    @Test func headersThatAreNotUTF8AreRefused() {
        var body = Data("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r".utf8)
        body += Data([0xE9]) + Data("sum.txt\"\r\n\r\nhello\r\n--XX--\r\n".utf8)
        #expect(throws: (any Error).self) { try MultipartFormData(body: body, boundary: "XX") }
    }
}
