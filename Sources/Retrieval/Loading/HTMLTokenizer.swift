/// A small, forgiving HTML tokenizer: tags, text, and nothing else. Comments, doctypes and
/// processing instructions are skipped; the content of raw-text elements (`script`, `style`, …)
/// comes out as one text token up to the matching end tag, so a `<` inside a script is not a tag.
/// Malformed markup never fails: a `<` that opens no tag is text, an unclosed tag ends the input.
///
/// ```swift
/// var tokens = HTMLTokenizer("<p>Hi <b>there</b>")
/// tokens.next()  // .startTag(name: "p", attributes: [:], selfClosing: false)
/// ```
struct HTMLTokenizer: IteratorProtocol, Sequence {
    private let bytes: [UInt8]
    private var position = 0
    /// The raw-text element whose end tag the tokenizer is waiting for.
    private var rawTextElement: String?

    /// Elements whose content is not markup.
    static let rawTextElements: Set<String> = [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext",
    ]

    init(_ html: String) {
        bytes = Array(html.utf8)
    }

    mutating func next() -> HTMLToken? {
        if let element = rawTextElement {
            rawTextElement = nil
            let start = position
            position = endOfRawText(of: element)
            if position > start { return .text(bytes[start..<position]) }
        }
        while position < bytes.count {
            if bytes[position] == ASCII.lessThan {
                switch markup() {
                case .token(let token): return token
                case .skipped: continue
                case .text: break
                }
            }
            return text()
        }
        return nil
    }

    /// Text up to the next `<` (at least one byte, so a stray `<` is text).
    private mutating func text() -> HTMLToken {
        let start = position
        position += 1
        while position < bytes.count, bytes[position] != ASCII.lessThan { position += 1 }
        return .text(bytes[start..<position])
    }

    private enum Markup {
        case token(HTMLToken)
        /// A comment, doctype or processing instruction, now behind `position`.
        case skipped
        /// The `<` opens nothing; `position` is unchanged.
        case text
    }

    /// What the `<` at `position` opens.
    private mutating func markup() -> Markup {
        let after = position + 1
        guard after < bytes.count else { return .text }
        switch bytes[after] {
        case ASCII.exclamation:
            position = bytes.starts(with: "<!--".utf8, at: position)
                ? end(of: "-->", from: after + 3) : end(of: ">", from: after)
            return .skipped
        case ASCII.question:
            position = end(of: ">", from: after)
            return .skipped
        case ASCII.slash where after + 1 < bytes.count && bytes[after + 1].isASCIILetter:
            let (name, nameEnd) = tagName(from: after + 1)
            position = end(of: ">", from: nameEnd)
            return .token(.endTag(name: name))
        case let byte where byte.isASCIILetter:
            return .token(startTag(from: after))
        default:
            return .text
        }
    }

    private mutating func startTag(from nameStart: Int) -> HTMLToken {
        let (name, nameEnd) = tagName(from: nameStart)
        var attributes: [String: String] = [:]
        var index = nameEnd
        var selfClosing = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.greaterThan { index += 1; break }
            if byte.isASCIIWhitespace { index += 1; continue }
            if byte == ASCII.slash {
                selfClosing = index + 1 < bytes.count && bytes[index + 1] == ASCII.greaterThan
                index += 1
                continue
            }
            let (attribute, value, next) = self.attribute(from: index)
            if attributes[attribute] == nil { attributes[attribute] = value }
            index = next
        }
        position = index
        if Self.rawTextElements.contains(name), !selfClosing { rawTextElement = name }
        return .startTag(name: name, attributes: attributes, selfClosing: selfClosing)
    }

    /// `name`, `name=value`, `name="value"` or `name='value'`.
    private func attribute(from start: Int) -> (name: String, value: String, next: Int) {
        var index = start
        // The first byte belongs to the name whatever it is, so a stray `=` cannot stall the loop.
        index += 1
        while index < bytes.count, !bytes[index].isASCIIWhitespace, bytes[index] != ASCII.equals,
              bytes[index] != ASCII.greaterThan, bytes[index] != ASCII.slash {
            index += 1
        }
        let name = String(decoding: bytes[start..<index], as: UTF8.self).lowercased()
        while index < bytes.count, bytes[index].isASCIIWhitespace { index += 1 }
        guard index < bytes.count, bytes[index] == ASCII.equals else { return (name, "", index) }
        index += 1
        while index < bytes.count, bytes[index].isASCIIWhitespace { index += 1 }
        guard index < bytes.count else { return (name, "", index) }
        let quote = bytes[index]
        if quote == ASCII.doubleQuote || quote == ASCII.singleQuote {
            let valueStart = index + 1
            var valueEnd = valueStart
            while valueEnd < bytes.count, bytes[valueEnd] != quote { valueEnd += 1 }
            let value = HTMLEntities.decode(bytes[valueStart..<valueEnd])
            return (name, value, Swift.min(valueEnd + 1, bytes.count))
        }
        var valueEnd = index
        while valueEnd < bytes.count, !bytes[valueEnd].isASCIIWhitespace, bytes[valueEnd] != ASCII.greaterThan {
            valueEnd += 1
        }
        return (name, HTMLEntities.decode(bytes[index..<valueEnd]), valueEnd)
    }

    /// A tag name (letters, digits, `-`, `:`), lower-cased, and the index after it.
    private func tagName(from start: Int) -> (String, Int) {
        var index = start
        while index < bytes.count,
              bytes[index].isASCIILetter || bytes[index].isASCIIDigit || bytes[index] == ASCII.hyphen
                || bytes[index] == ASCII.colon {
            index += 1
        }
        return (String(decoding: bytes[start..<index], as: UTF8.self).lowercased(), index)
    }

    /// The index after the first `terminator` at or after `start`, or the end of the input.
    private func end(of terminator: String, from start: Int) -> Int {
        let pattern = Array(terminator.utf8)
        var index = start
        while index + pattern.count <= bytes.count {
            if bytes.starts(with: pattern, at: index) { return index + pattern.count }
            index += 1
        }
        return bytes.count
    }

    /// Where `</element` begins (any case), or the end of the input.
    private func endOfRawText(of element: String) -> Int {
        let pattern = Array("</\(element)".utf8)
        var index = position
        while index + pattern.count <= bytes.count {
            if bytes[index] == ASCII.lessThan, bytes.startsCaseInsensitive(with: pattern, at: index) {
                let after = index + pattern.count
                // `</scripts` does not close `script`.
                if after == bytes.count || !bytes[after].isASCIILetter { return index }
            }
            index += 1
        }
        return bytes.count
    }
}

/// The ASCII bytes the tokenizer looks for.
enum ASCII {
    static let lessThan = UInt8(ascii: "<")
    static let greaterThan = UInt8(ascii: ">")
    static let exclamation = UInt8(ascii: "!")
    static let question = UInt8(ascii: "?")
    static let slash = UInt8(ascii: "/")
    static let equals = UInt8(ascii: "=")
    static let doubleQuote = UInt8(ascii: "\"")
    static let singleQuote = UInt8(ascii: "'")
    static let hyphen = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let ampersand = UInt8(ascii: "&")
    static let semicolon = UInt8(ascii: ";")
    static let hash = UInt8(ascii: "#")
}

extension UInt8 {
    var isASCIILetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    var isASCIIDigit: Bool { (0x30...0x39).contains(self) }
    var isASCIIHexDigit: Bool { isASCIIDigit || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D }
    var asciiLowercased: UInt8 { (0x41...0x5A).contains(self) ? self + 0x20 : self }
}

extension Array where Element == UInt8 {
    func starts(with pattern: some Sequence<UInt8>, at index: Int) -> Bool {
        self[index...].starts(with: pattern)
    }

    func startsCaseInsensitive(with pattern: [UInt8], at index: Int) -> Bool {
        guard index + pattern.count <= count else { return false }
        for offset in 0..<pattern.count where self[index + offset].asciiLowercased != pattern[offset] {
            return false
        }
        return true
    }
}
