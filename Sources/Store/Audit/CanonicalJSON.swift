/// A small, fixed JSON serialization for hashing: object keys sorted by UTF-8 bytes, no
/// whitespace, integers in decimal, strings with only the escapes JSON requires. Written by
/// hand so the audit chain never depends on how a Foundation version formats JSON.
enum CanonicalJSON {
    enum Value {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        case null
        case strings([String])
    }

    static func object(_ fields: [String: Value]) -> String {
        // Per audit record, so built as bytes: no array per key comparison, no string per
        // member.
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(256)
        for (index, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(fields[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ value: Value, to out: inout [UInt8]) {
        switch value {
        case let .string(text): appendQuoted(text, to: &out)
        case let .integer(number): out += String(number).utf8
        case let .boolean(flag): out += (flag ? "true" : "false").utf8
        case .null: out += "null".utf8
        case let .strings(list):
            out.append(UInt8(ascii: "["))
            for (index, text) in list.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendQuoted(text, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string: quote, backslash and control characters escaped (`\n`, `\r`,
    /// `\t`, else `\u00xx`), everything else — non-ASCII included — as its UTF-8 bytes.
    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case ..<0x20:
                out += #"\u00"#.utf8
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension CanonicalJSON.Value {
    static func optional(_ text: String?) -> Self { text.map(Self.string) ?? .null }
}
