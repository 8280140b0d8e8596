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
        let keys = fields.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let members = keys.map { key in quoted(key) + ":" + serialize(fields[key]!) }
        return "{" + members.joined(separator: ",") + "}"
    }

    private static func serialize(_ value: Value) -> String {
        switch value {
        case let .string(text): quoted(text)
        case let .integer(number): String(number)
        case let .boolean(flag): flag ? "true" : "false"
        case .null: "null"
        case let .strings(list): "[" + list.map(quoted).joined(separator: ",") + "]"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension CanonicalJSON.Value {
    static func optional(_ text: String?) -> Self { text.map(Self.string) ?? .null }
}
