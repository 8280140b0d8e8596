@testable import Store
import Testing

/// The audit chain hashes these bytes: records written by any earlier build must hash the
/// same, so the serialization is pinned byte for byte.
@Suite struct CanonicalJSONTests {
    @Test func anObjectIsSerializedByteForByteAsTheChainExpects() {
        let json = CanonicalJSON.object([
            "zeta": .integer(-42), "alpha": .string(#"say "hi"\ now"#), "Beta": .boolean(true), "é": .null,
            "list": .strings(["a", "line\nbreak\r\ttab", "\u{0}\u{1f}", "日本 🙂"]), "b": .boolean(false),
            "ab": .integer(Int64.max),
        ])
        #expect(json == #"{"Beta":true,"ab":9223372036854775807,"alpha":"say \"hi\"\\ now","b":false,"#
            + #""list":["a","line\nbreak\r\ttab","\u0000\u001f","日本 🙂"],"zeta":-42,"é":null}"#)
        #expect(CanonicalJSON.object([:]) == "{}")
        #expect(CanonicalJSON.object(["k": .strings([])]) == #"{"k":[]}"#)
    }

    @Test func keysSortByTheirUTF8Bytes() {
        // "Z" (0x5A) < "a" (0x61) < "é" (0xC3 0xA9) < "😀" (0xF0 …); "ﬀ" (U+FB00, 0xEF …) < "😀".
        let json = CanonicalJSON.object(["😀": .null, "é": .null, "a": .null, "Z": .null, "ﬀ": .null])
        #expect(json == #"{"Z":null,"a":null,"é":null,"ﬀ":null,"😀":null}"#)
    }
}
