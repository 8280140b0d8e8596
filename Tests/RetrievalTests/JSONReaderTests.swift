import Foundation
import Testing
@testable import Retrieval

@Suite("JSON reader")
struct JSONReaderTests {
    private func text(_ json: String, name: String = "data.json") throws -> String {
        try DocumentLoader().load(Data(json.utf8), fileName: name, contentType: nil).plainText
    }

    @Test("objects flatten into path: value lines in written order; numbers stay as written")
    func flattening() throws {
        let json = #"{"zeta": 1, "customer": {"name": "Ada", "address": {"city": "Lyon"}}, "price": 19.90, "#
            + #""tags": ["vip", "eu"], "active": true, "note": null, "empty": ""}"#
        #expect(try text(json) == "zeta: 1\ncustomer.name: Ada\ncustomer.address.city: Lyon\nprice: 19.90\ntags: vip, eu\nactive: true")
    }

    @Test("an array of records gives one paragraph per record; nested arrays keep indices")
    func records() throws {
        let json = #"{"shop": "Corner", "items": [{"sku": "A1", "sizes": [[1, 2], [3]]}, {"sku": "B2", "tags": []}]}"#
        #expect(try text(json) == "shop: Corner\n\nitems.sku: A1\nitems.sizes[0]: 1, 2\nitems.sizes[1]: 3\n\nitems.sku: B2")
        #expect(try text(#"[{"a": 1}, {"a": 2}]"#) == "a: 1\n\na: 2")
    }

    @Test("JSON Lines read as records")
    func jsonLines() throws {
        #expect(try text("{\"q\": \"hi\"}\n{\"q\": \"bye\"}\n") == "q: hi\n\nq: bye")
    }

    @Test("escapes decode, surrogate pairs included")
    func escapes() throws {
        #expect(try text(#"{"s": "tab\there \"q\" \u00e9 \ud83d\ude00 \/"}"#) == "s: tab here \"q\" é 😀 /")
    }

    @Test("invalid JSON is malformed with the line of the problem; deep nesting is refused")
    func malformed() {
        #expect(throws: LoadingError.malformed(fileName: "data.json", reason: "invalid JSON at line 2: expected ',' or '}' in an object")) {
            try text("{\"a\": 1\n \"b\": 2}")
        }
        #expect(throws: LoadingError.malformed(fileName: "data.json", reason: "invalid JSON at line 1: nested deeper than 256 levels")) {
            try text(String(repeating: "[", count: 10_000))
        }
        #expect(throws: LoadingError.malformed(fileName: "data.json", reason: "invalid JSON at line 1: unexpected character")) {
            try text("{\"a\": tru}")
        }
    }
}
