import Foundation
import Testing
@testable import Inference

/// The byte-level JSON reader behind `response_format` `json_object`: every valid object is read
/// to completion, every invalid byte is refused where it first makes the text invalid, and the
/// state never changes on a refusal.
@Suite struct JSONRecognizerTests {
    /// Reads `text`; returns how many bytes were accepted and whether the object is complete.
    private func read(_ text: String) -> (accepted: Int, complete: Bool) {
        var json = JSONRecognizer()
        var accepted = 0
        for byte in text.utf8 {
            guard json.consume(byte) else { break }
            accepted += 1
        }
        return (accepted, json.isComplete)
    }

    @Test(arguments: [
        #"{}"#,
        #" { } "#.trimmingCharacters(in: .whitespaces),
        #"{"a":1}"#,
        #"{"a": [1, -2, 3.5, 1e10, -0.25E-3, 0, 10], "b": {"c": null, "d": true, "e": false}}"#,
        #"{"é ✓ 𝄞": "\u00e9\n\t\"\\\/\b\f\r", "": ""}"#,
        "{\n  \"list\": [\n    {\"x\": []},\n    [[], {}]\n  ]\n}",
        #"{"n": 0.0, "m": 123456789012345678901234567890}"#,
        #"{"pairs": "\ud83d\ude00 \uD834\uDD1E", "near": "\ud7ff \ue000 \uDBFF\uDFFF"}"#,
    ])
    func validObjectsAreReadToTheEnd(_ text: String) throws {
        let (accepted, complete) = read(text)
        #expect(accepted == text.utf8.count)
        #expect(complete)
        // Foundation agrees that each is one JSON object, its strict decoder too.
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        #expect(throws: Never.self) { try JSONDecoder().decode([String: JSONNothing].self, from: Data(text.utf8)) }
    }

    /// Any JSON value, read and dropped (for the strict decoder's verdict).
    private struct JSONNothing: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// Each case: the text, and how many of its bytes are valid before the first refused one.
    @Test(arguments: [
        ("[1]", 0),  // the top level must be an object
        ("\"a\"", 0),
        ("{,}", 1),
        (#"{"a":1,}"#, 7),  // trailing comma
        (#"{"a" 1}"#, 5),
        (#"{"a":01}"#, 6),  // leading zero
        (#"{"a":-}"#, 6),
        (#"{"a":1.}"#, 7),
        (#"{"a":1e}"#, 7),
        (#"{"a":+1}"#, 5),
        (#"{"a":tru}"#, 8),
        (#"{"a":nul1}"#, 8),
        ("{\"a\":\"\u{1}\"}", 6),  // a control character in a string
        (#"{"a":"\x"}"#, 7),  // an unknown escape
        (#"{"a":"\u12G4"}"#, 10),
        // UTF-16 surrogates come in pairs (attack round 6: a lone `\ud800` broke strict parsers).
        (#"{"a":"\ud800"}"#, 12),  // a high surrogate without its low one
        (#"{"a":"\udc00"}"#, 9),  // a low surrogate alone
        (#"{"a":"\ud83d\u0041"}"#, 14),  // a high surrogate followed by another character
        (#"{"a":"\ud83d\ud83d"}"#, 15),  // … or by another high one
        (#"{"a":"\ud83dx"}"#, 12),
        (#"{"a":[1}"#, 7),  // a closer of the wrong kind
        (#"{"a":{]"#, 6),
        (#"{1:2}"#, 1),  // keys are strings
        (#"{}{"#, 2),  // nothing after the object
        (#"{} "#, 2),
    ])
    func invalidBytesAreRefusedWhereTheyStart(_ text: String, _ valid: Int) {
        let (accepted, complete) = read(text)
        #expect(accepted == valid)
        #expect(!complete || valid == 2)
    }

    @Test func malformedUTF8IsRefusedInsideStrings() {
        let cases: [([UInt8], Int)] = [
            ([0x7B, 0x22, 0xC0, 0x80], 2),  // overlong NUL
            ([0x7B, 0x22, 0xE0, 0x80], 3),  // overlong three-byte form
            ([0x7B, 0x22, 0xED, 0xA0], 3),  // a surrogate
            ([0x7B, 0x22, 0xF4, 0x90], 3),  // past U+10FFFF
            ([0x7B, 0x22, 0xFF], 2),
            ([0x7B, 0x22, 0xC3, 0x22], 3),  // a character cut short by the closing quote
        ]
        for (bytes, valid) in cases {
            var json = JSONRecognizer()
            var accepted = 0
            for byte in bytes {
                guard json.consume(byte) else { break }
                accepted += 1
            }
            #expect(accepted == valid, "\(bytes)")
        }
    }

    @Test func nestingAndWhitespaceAreBounded() {
        var deep = JSONRecognizer()
        var accepted = [deep.consume(Array("{\"a\":".utf8))]
        for _ in 1..<JSONRecognizer.maximumDepth { accepted.append(deep.consume(UInt8(ascii: "["))) }
        #expect(!accepted.contains(false))
        let deeper = [deep.consume(UInt8(ascii: "[")), deep.consume(UInt8(ascii: "{")), deep.consume(UInt8(ascii: "1"))]
        #expect(deeper == [false, false, true])

        var spaced = JSONRecognizer()
        accepted = [spaced.consume(UInt8(ascii: "{"))]
        for _ in 0..<JSONRecognizer.maximumWhitespaceRun { accepted.append(spaced.consume(UInt8(ascii: "\n"))) }
        #expect(!accepted.contains(false))
        let after = [spaced.consume(UInt8(ascii: " ")), spaced.consume(UInt8(ascii: "}"))]
        #expect(after == [false, true])
        #expect(spaced.isComplete)
    }

    @Test func aRefusedSequenceLeavesTheStateAsItWas() {
        var json = JSONRecognizer()
        let opened = json.consume(Array("{\"a\":".utf8))
        let before = json
        let refused = json.consume(Array("1,,".utf8))
        #expect(opened && !refused && json == before)
        let closed = json.consume(Array("12}".utf8))
        #expect(closed && json.isComplete)
    }
}
