/// A strict JSON parser (RFC 8259) for `JSONValue`, over UTF-8 bytes. Accepts a sequence of
/// values separated by whitespace (JSON Lines) as well as a single value.
struct JSONValueParser {
    private let bytes: [UInt8]
    private var position = 0
    /// Deeper nesting is refused rather than risking the stack.
    static let maximumDepth = 256

    struct Failure: Error {
        var message: String
        var offset: Int
    }

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// Every top-level value in order.
    mutating func values() throws(Failure) -> [JSONValue] {
        var values: [JSONValue] = []
        skipWhitespace()
        while position < bytes.count {
            values.append(try value(depth: 0))
            skipWhitespace()
        }
        return values
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth) levels") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw fail("expected a member name in quotes") }
            let key = try string()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw fail("expected ':' after a member name") }
            position += 1
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { position += 1; continue }
            if peek(UInt8(ascii: "}")) { position += 1; return .object(members) }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { position += 1; return .array(elements) }
        while true {
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { position += 1; continue }
            if peek(UInt8(ascii: "]")) { position += 1; return .array(elements) }
            throw fail("expected ',' or ']' in an array")
        }
    }

    private mutating func string() throws(Failure) -> String {
        position += 1
        // Built as UTF-8 bytes: appending to a `String.UnicodeScalarView` made a string of
        // escapes superlinear (2 MB of `\u00e9\n` took 27 times as long as 256 KB).
        var utf8: [UInt8] = []
        var runStart = position
        func flushRun(_ end: Int) {
            utf8.append(contentsOf: bytes[runStart..<end])
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flushRun(position)
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            if byte < 0x20 { throw fail("control character inside a string") }
            if byte == UInt8(ascii: "\\") {
                flushRun(position)
                position += 1
                utf8.append(contentsOf: UTF8.encode(try escape())!)
                runStart = position
            } else {
                position += 1
            }
        }
        throw fail("a string is never closed")
    }

    /// The character after a backslash (already consumed), surrogate pairs joined.
    private mutating func escape() throws(Failure) -> Unicode.Scalar {
        guard position < bytes.count else { throw fail("unexpected end of input") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexQuad()
            if (0xD800..<0xDC00).contains(unit), bytes[position...].starts(with: "\\u".utf8) {
                position += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else { return "\u{FFFD}" }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
            }
            return Unicode.Scalar(unit) ?? "\u{FFFD}"  // a lone surrogate
        default:
            throw fail("invalid escape sequence")
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
        else { throw fail("invalid \\u escape") }
        position += 4
        return value
    }

    private mutating func number() throws(Failure) -> String {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        guard digits() > 0 else { throw fail("invalid number") }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func digits() -> Int {
        let start = position
        while position < bytes.count, bytes[position].isASCIIDigit { position += 1 }
        return position - start
    }

    private mutating func literal(_ word: String) throws(Failure) {
        guard bytes[position...].starts(with: word.utf8) else { throw fail("unexpected character") }
        position += word.utf8.count
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09
            || bytes[position] == 0x0A || bytes[position] == 0x0D {
            position += 1
        }
    }

    private func fail(_ message: String) -> Failure {
        Failure(message: message, offset: position)
    }

    /// The 1-based line of a byte offset, for error messages.
    func line(of offset: Int) -> Int {
        bytes[..<min(offset, bytes.count)].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
