/// Reads what the relay needs from a `chat.completion.chunk` — each choice's `delta.content`
/// and `finish_reason`, and `usage` — straight from the event's bytes in one pass, without
/// building the JSON tree `JSONDecoder` would (the decoder costs several times more per
/// token, and a relay handles tens of thousands of tokens a second).
///
/// A strict JSON reader: anything it does not fully understand (an `error` object, a number
/// where a token count should be an integer, malformed JSON) answers `nil`, and the caller
/// falls back to `JSONDecoder`, so the result is never a guess.
struct ChunkScanner {
    struct Chunk: Equatable {
        var texts: [String] = []
        var finishReasons: [String] = []
        var promptTokens: Int?
        var completionTokens: Int?
        var hasUsage = false
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The chunk an event's bytes hold, or nil when the decoder must judge them.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Chunk? {
        var scanner = ChunkScanner(bytes)
        return scanner.chunk()
    }

    private mutating func chunk() -> Chunk? {
        var chunk = Chunk()
        let ok = object { key, scanner in
            switch key {
            case "choices": return scanner.array { $0.choice(into: &chunk) }
            case "usage": return scanner.usage(into: &chunk)
            case "error": return false  // the decoder's path words the error
            default: return scanner.skipValue()
            }
        }
        skipWhitespace()
        return ok && index == bytes.count ? chunk : nil
    }

    private mutating func choice(into chunk: inout Chunk) -> Bool {
        object { key, scanner in
            switch key {
            case "delta":
                if scanner.null() { return true }
                return scanner.object { key, scanner in
                    guard key == "content" else { return scanner.skipValue() }
                    if scanner.null() { return true }
                    guard let text = scanner.string() else { return false }
                    if !text.isEmpty { chunk.texts.append(text) }
                    return true
                }
            case "finish_reason":
                if scanner.null() { return true }
                guard let reason = scanner.string() else { return false }
                chunk.finishReasons.append(reason)
                return true
            default:
                return scanner.skipValue()
            }
        }
    }

    private mutating func usage(into chunk: inout Chunk) -> Bool {
        if null() { return true }
        chunk.hasUsage = true
        return object { key, scanner in
            switch key {
            case "prompt_tokens":
                guard let value = scanner.integer() else { return false }
                chunk.promptTokens = value
                return true
            case "completion_tokens":
                guard let value = scanner.integer() else { return false }
                chunk.completionTokens = value
                return true
            default:
                return scanner.skipValue()
            }
        }
    }

    // MARK: JSON

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        skipWhitespace()
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func null() -> Bool { literal("null") }

    /// `{ "key": value, … }`, each value read by `member` (which must consume it).
    private mutating func object(_ member: (String, inout ChunkScanner) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        repeat {
            skipWhitespace()
            guard let key = string(), consume(UInt8(ascii: ":")), member(key, &self) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    private mutating func array(_ element: (inout ChunkScanner) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]"))
    }

    private mutating func skipValue() -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): return object { _, scanner in scanner.skipValue() }
        case UInt8(ascii: "["): return array { $0.skipValue() }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func number() -> Bool {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        while let byte = current,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        {
            index += 1
        }
        return index > start && bytes[index - 1] != UInt8(ascii: "-")
    }

    /// A non-negative integer of at most 15 digits (token counts).
    private mutating func integer() -> Int? {
        skipWhitespace()
        var value = 0
        var digits = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            index += 1
            guard digits <= 15 else { return nil }
        }
        // A fraction or exponent is not a token count: let the decoder judge it.
        if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            return nil
        }
        return digits > 0 ? value : nil
    }

    /// A string, its escapes resolved; nil when malformed.
    private mutating func string() -> String? {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        // The common case: no escapes, the bytes as they are.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        guard let stop = current else { return nil }
        if stop == UInt8(ascii: "\"") {
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        var decoded = Array(bytes[start..<index])
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { return nil }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by its low one.
                        guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        return nil
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                decoded.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
