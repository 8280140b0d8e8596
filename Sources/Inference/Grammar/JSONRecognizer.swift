/// Reads JSON (RFC 8259) one byte at a time and says whether each byte can continue a valid
/// document whose top level is an object — what OpenAI's `response_format` `json_object` asks of
/// an answer. It never looks ahead: a byte is accepted when some valid document starts with the
/// bytes so far, so a generation that follows it can always be completed.
///
/// The state is a few bytes (the container stack is a bit per level), so copying it to try a
/// token's bytes costs nothing: ``JSONConstraint`` tries every token of the vocabulary this way.
///
/// A `\u` escape of a UTF-16 surrogate comes in pairs — a high one (`\uD800`–`\uDBFF`) is
/// followed at once by a low one (`\uDC00`–`\uDFFF`), and no low one stands alone — so the
/// object reads back with strict parsers (Swift's `JSONDecoder`, serde_json), not only lenient
/// ones; RFC 8259's grammar alone would let `"\ud800"` through.
///
/// Bounds that keep a model from wandering: containers nest at most ``maximumDepth`` deep, and at
/// most ``maximumWhitespaceRun`` whitespace bytes follow each other (a model told to write JSON
/// can otherwise emit newlines until `max_tokens`).
///
/// ```swift
/// var json = JSONRecognizer()
/// for byte in #"{"a": [1, true]}"#.utf8 { precondition(json.consume(byte)) }
/// json.isComplete  // true
/// ```
public struct JSONRecognizer: Sendable, Equatable {
    public static let maximumDepth = 32
    public static let maximumWhitespaceRun = 24

    enum Mode: UInt8 {
        /// Before the top-level object.
        case start
        /// After `{`: a key or `}`.
        case firstKey
        /// After a `,` in an object: a key.
        case key
        /// After a key: `:`.
        case colon
        /// A value.
        case value
        /// After `[`: a value or `]`.
        case firstValue
        /// After a value inside a container: `,` or the container's close.
        case afterValue
        case string
        case escape
        /// In `\uXXXX`; ``pending`` hex digits are left. ``surrogate`` says what the digits so
        /// far make: ``Surrogate``.
        case unicodeEscape
        /// After a high surrogate's `\uXXXX`: the `\` and then the `u` of its low one.
        case lowSurrogateBackslash, lowSurrogateU
        /// In a multi-byte UTF-8 character; ``pending`` bytes are left, the next in ``low``…``high``.
        case utf8
        /// In `true`, `false` or `null`: ``literal`` says which, ``pending`` how many bytes are read.
        case literal
        case minus, zero, integer, dot, fraction, exponentMark, exponentSign, exponent
        /// The top-level object is closed: nothing more may follow.
        case complete
    }

    var mode = Mode.start
    /// One bit per open container, the innermost lowest: 1 for an object, 0 for an array.
    var stack: UInt64 = 0
    var depth: UInt8 = 0
    /// Whether the string being read is an object's key.
    var inKey = false
    var pending: UInt8 = 0
    var literal: UInt8 = 0
    var low: UInt8 = 0
    var high: UInt8 = 0
    var whitespace: UInt8 = 0
    /// In a `\u` escape: what its digits so far say about surrogates.
    var surrogate = Surrogate.none

    enum Surrogate: UInt8 {
        /// Nothing yet (or a character that is no surrogate).
        case none
        /// The first digit was `D`: the second says whether a surrogate follows.
        case maybe
        /// A high surrogate: a low one must follow.
        case high
        /// This escape must be a low surrogate (the previous one was high).
        case lowRequired
        /// This escape began `D` and must be a low surrogate.
        case lowStarted
    }

    public init() {}

    /// Whether the bytes so far are one whole JSON object.
    public var isComplete: Bool { mode == .complete }

    private static let literals: [[UInt8]] = [Array("true".utf8), Array("false".utf8), Array("null".utf8)]

    /// Reads `byte`; returns `false` (and leaves the state as it was) when no valid document
    /// continues with it.
    @inline(__always)
    public mutating func consume(_ byte: UInt8) -> Bool {
        var next = self
        guard next.step(byte) else { return false }
        self = next
        return true
    }

    /// Reads all of `bytes`, or none: `false` when one of them cannot follow.
    @inline(__always)
    public mutating func consume<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Bool {
        var next = self
        for byte in bytes where !next.step(byte) { return false }
        self = next
        return true
    }

    /// One byte; `false` when it cannot follow (the state is then garbage: callers step a copy).
    @inline(__always)
    mutating func step(_ byte: UInt8) -> Bool {
        switch mode {
        case .string:
            switch byte {
            case UInt8(ascii: "\""): return endString()
            case UInt8(ascii: "\\"): mode = .escape
            case 0..<0x20: return false
            case 0x80...: return startUTF8(byte)
            default: break
            }
            return true
        case .start:
            if isWhitespace(byte) { return takeWhitespace() }
            whitespace = 0
            return byte == UInt8(ascii: "{") && open(object: true)
        case .firstKey, .key:
            if isWhitespace(byte) { return takeWhitespace() }
            whitespace = 0
            if byte == UInt8(ascii: "\"") {
                mode = .string
                inKey = true
                return true
            }
            return mode == .firstKey && byte == UInt8(ascii: "}") && close()
        case .colon:
            if isWhitespace(byte) { return takeWhitespace() }
            whitespace = 0
            guard byte == UInt8(ascii: ":") else { return false }
            mode = .value
            return true
        case .value, .firstValue:
            if isWhitespace(byte) { return takeWhitespace() }
            whitespace = 0
            if mode == .firstValue && byte == UInt8(ascii: "]") { return close() }
            return startValue(byte)
        case .afterValue:
            if isWhitespace(byte) { return takeWhitespace() }
            whitespace = 0
            let inObject = stack & 1 == 1
            switch byte {
            case UInt8(ascii: ","): mode = inObject ? .key : .value
            case UInt8(ascii: "}"): return inObject && close()
            case UInt8(ascii: "]"): return !inObject && close()
            default: return false
            }
            return true
        case .escape:
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                mode = .string
            case UInt8(ascii: "u"):
                mode = .unicodeEscape
                pending = 4
                surrogate = .none
            default: return false
            }
            return true
        case .unicodeEscape:
            guard isHexDigit(byte) else { return false }
            return unicodeDigit(byte | 0x20)  // hex letters in lower case
        case .lowSurrogateBackslash:
            guard byte == UInt8(ascii: "\\") else { return false }
            mode = .lowSurrogateU
            return true
        case .lowSurrogateU:
            guard byte == UInt8(ascii: "u") else { return false }
            mode = .unicodeEscape
            pending = 4
            surrogate = .lowRequired
            return true
        case .utf8:
            guard byte >= low && byte <= high else { return false }
            pending -= 1
            low = 0x80
            high = 0xBF
            if pending == 0 { mode = .string }
            return true
        case .literal:
            let text = Self.literals[Int(literal)]
            guard byte == text[Int(pending)] else { return false }
            pending += 1
            if Int(pending) == text.count { endValue() }
            return true
        case .minus:
            guard isDigit(byte) else { return false }
            mode = byte == UInt8(ascii: "0") ? .zero : .integer
            return true
        case .zero, .integer, .fraction, .exponent:
            if isDigit(byte) && mode != .zero { return true }
            if byte == UInt8(ascii: "."), mode == .zero || mode == .integer {
                mode = .dot
                return true
            }
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E"), mode != .exponent {
                mode = .exponentMark
                return true
            }
            // The number ended; the byte belongs to what follows it.
            endValue()
            return step(byte)
        case .dot:
            guard isDigit(byte) else { return false }
            mode = .fraction
            return true
        case .exponentMark:
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                mode = .exponentSign
                return true
            }
            guard isDigit(byte) else { return false }
            mode = .exponent
            return true
        case .exponentSign:
            guard isDigit(byte) else { return false }
            mode = .exponent
            return true
        case .complete:
            return false
        }
    }

    private mutating func startValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "{"): return open(object: true)
        case UInt8(ascii: "["): return open(object: false)
        case UInt8(ascii: "\""):
            mode = .string
            inKey = false
        case UInt8(ascii: "-"): mode = .minus
        case UInt8(ascii: "0"): mode = .zero
        case UInt8(ascii: "1")...UInt8(ascii: "9"): mode = .integer
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            mode = .literal
            literal = byte == UInt8(ascii: "t") ? 0 : byte == UInt8(ascii: "f") ? 1 : 2
            pending = 1
        default: return false
        }
        return true
    }

    private mutating func open(object: Bool) -> Bool {
        guard Int(depth) < Self.maximumDepth else { return false }
        stack = stack << 1 | (object ? 1 : 0)
        depth += 1
        mode = object ? .firstKey : .firstValue
        return true
    }

    private mutating func close() -> Bool {
        stack >>= 1
        depth -= 1
        endValue()
        return true
    }

    /// A value is whole: the top-level object completes the document.
    private mutating func endValue() {
        mode = depth == 0 ? .complete : .afterValue
    }

    private mutating func endString() -> Bool {
        if inKey {
            mode = .colon
            inKey = false
        } else {
            endValue()
        }
        return true
    }

    /// A UTF-8 lead byte inside a string, with the range its next byte must fall in (no
    /// overlong forms, no surrogates, nothing past U+10FFFF).
    private mutating func startUTF8(_ byte: UInt8) -> Bool {
        (low, high) = (0x80, 0xBF)
        switch byte {
        case 0xC2...0xDF: pending = 1
        case 0xE0: (pending, low) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE, 0xEF: pending = 2
        case 0xED: (pending, high) = (2, 0x9F)
        case 0xF0: (pending, low) = (3, 0x90)
        case 0xF1...0xF3: pending = 3
        case 0xF4: (pending, high) = (3, 0x8F)
        default: return false
        }
        mode = .utf8
        return true
    }

    private mutating func takeWhitespace() -> Bool {
        guard Int(whitespace) < Self.maximumWhitespaceRun else { return false }
        whitespace += 1
        return true
    }

    @inline(__always) private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always) private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// One hex digit of a `\u` escape (lower case), held to the surrogate rules: the first two
    /// digits tell a high surrogate (`d8`–`db`) or a low one (`dc`–`df`) from any other character.
    private mutating func unicodeDigit(_ digit: UInt8) -> Bool {
        switch (pending, surrogate) {
        case (4, .none):
            if digit == UInt8(ascii: "d") { surrogate = .maybe }
        case (4, .lowRequired):
            guard digit == UInt8(ascii: "d") else { return false }
            surrogate = .lowStarted
        case (3, .maybe):
            switch digit {
            case UInt8(ascii: "8")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "b"): surrogate = .high
            case UInt8(ascii: "c")...UInt8(ascii: "f"): return false  // a low surrogate alone
            default: surrogate = .none
            }
        case (3, .lowStarted):
            guard (UInt8(ascii: "c")...UInt8(ascii: "f")).contains(digit) else { return false }
            surrogate = .none
        default:
            break
        }
        pending -= 1
        if pending == 0 {
            mode = surrogate == .high ? .lowSurrogateBackslash : .string
            surrogate = .none
        }
        return true
    }

    @inline(__always) private func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }
}
