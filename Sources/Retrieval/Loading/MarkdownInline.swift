/// Reduces Markdown inline link syntax to the text a reader sees, leaving code spans alone:
/// `[text](url)`, `[text][ref]` and `![alt](src)` become `text` / `alt`, `<https://x>` becomes
/// `https://x`. Other inline markup (emphasis, inline HTML) is kept as written.
///
/// Linear in time and memory, whatever the input (issue 12: a 40 KB paragraph of nested
/// brackets used to take 33 s and 2 GB). One pass pairs every bracket, parenthesis and
/// code-span run with its partner (``Partners``); a second pass walks the text once, entering
/// a link's label in place — no search per bracket, no recursion, no copy per nesting level.
/// Every syntax character is ASCII, so the walk is over UTF-8 bytes and copies the rest as is.
///
/// Why not JohnSundell/Ink 0.6.0 (the maintained package issue 12 suggests): measured in a
/// release build on the same adversarial inputs, it is worse than what it would replace — a
/// line of 20 `[` took 2.2 s and one of 30 over 20 s (exponential); 8 KB of `<` took 8.5 s,
/// 14× its time for 2 KB; `[a](` repeated grew 16× for 4× the input. And we need plain text,
/// not HTML. `ParserLinearityTests` holds this reader to linear time on those inputs.
enum MarkdownInline {
    static func plainText(_ text: some StringProtocol) -> String {
        let bytes = Array(text.utf8)
        let partners = Partners(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        // The labels being read, innermost last: where each closes and where its link ends.
        var labels: [(labelEnd: Int, next: Int)] = []
        var index = 0
        while index < bytes.count {
            if let label = labels.last, index == label.labelEnd {
                index = label.next
                labels.removeLast()
                continue
            }
            // Inside a label, syntax must close before the label does (as if the label were
            // read on its own).
            let limit = labels.last?.labelEnd ?? bytes.count
            let byte = bytes[index]
            if byte == Byte.backtick {
                let run = partners.runLength(at: index)
                if let close = partners.partner(of: index), close < limit {
                    output.append(contentsOf: bytes[index..<(close + run)])
                    index = close + run
                } else {
                    output.append(contentsOf: bytes[index..<(index + run)])  // a lone run is literal
                    index += run
                }
            } else if byte == Byte.openBracket
                || (byte == Byte.bang && index + 1 < limit && bytes[index + 1] == Byte.openBracket)
            {
                let open = byte == Byte.openBracket ? index : index + 1
                if let link = link(bytes, partners, openingAt: open, limit: limit) {
                    labels.append(link)
                    index = open + 1
                } else {
                    output.append(byte)
                    index += 1
                }
            } else if byte == Byte.lessThan, let end = autolinkEnd(bytes, from: index, limit: limit) {
                output.append(contentsOf: bytes[(index + 1)..<end])
                index = end + 1
            } else {
                output.append(byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// For `[label](destination)` or `[label][ref]` starting at `open`: the index of the
    /// label's closing bracket and the index after the whole link; nil when it is not a link.
    private static func link(_ bytes: [UInt8], _ partners: Partners, openingAt open: Int, limit: Int)
        -> (labelEnd: Int, next: Int)?
    {
        guard let close = partners.partner(of: open), close + 1 < limit else { return nil }
        let after = bytes[close + 1]
        guard after == Byte.openParen || after == Byte.openBracket,
              let end = partners.partner(of: close + 1), end < limit
        else { return nil }
        return (close, end + 1)
    }

    /// `<scheme:…>` or `<user@host>` with no spaces inside: the index of its `>`. The scan
    /// stops at the next `<`, so no byte is scanned for two autolinks.
    private static func autolinkEnd(_ bytes: [UInt8], from start: Int, limit: Int) -> Int? {
        var end = start + 1
        var addressLike = false
        while end < limit {
            let byte = bytes[end]
            if byte == Byte.greaterThan || byte == Byte.lessThan || byte.isASCIIWhitespace || byte == 0x0B { break }
            if byte == Byte.colon || byte == Byte.at { addressLike = true }
            end += 1
        }
        guard end < limit, bytes[end] == Byte.greaterThan, end > start + 1, addressLike else { return nil }
        return end
    }

    /// Each `[` and `(` paired with the bracket that closes it (nested pairs counted, a
    /// backslash-escaped bracket ignored), and each run of backticks with the next run of the
    /// same length (which closes a code span). Built in one pass each, with a stack per bracket
    /// kind and the last run seen of each length.
    struct Partners {
        /// `[position]`: the partner's position, or -1.
        private var partners: [Int32]
        private let bytes: [UInt8]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            partners = [Int32](repeating: -1, count: bytes.count)
            var brackets: [Int32] = []
            var parens: [Int32] = []
            for index in bytes.indices {
                let byte = bytes[index]
                guard index == 0 || bytes[index - 1] != Byte.backslash else { continue }
                switch byte {
                case Byte.openBracket: brackets.append(Int32(index))
                case Byte.openParen: parens.append(Int32(index))
                case Byte.closeBracket: if let open = brackets.popLast() { partners[Int(open)] = Int32(index) }
                case Byte.closeParen: if let open = parens.popLast() { partners[Int(open)] = Int32(index) }
                default: continue
                }
            }
            var lastRunOfLength: [Int: Int32] = [:]
            var index = bytes.count - 1
            while index >= 0 {
                guard bytes[index] == Byte.backtick else {
                    index -= 1
                    continue
                }
                var start = index
                while start > 0, bytes[start - 1] == Byte.backtick { start -= 1 }
                let length = index - start + 1
                partners[start] = lastRunOfLength[length] ?? -1
                lastRunOfLength[length] = Int32(start)
                index = start - 1
            }
        }

        func partner(of index: Int) -> Int? {
            partners[index] < 0 ? nil : Int(partners[index])
        }

        func runLength(at start: Int) -> Int {
            var end = start
            while end < bytes.count, bytes[end] == Byte.backtick { end += 1 }
            return end - start
        }
    }

    private enum Byte {
        static let backtick = UInt8(ascii: "`")
        static let backslash = UInt8(ascii: "\\")
        static let openBracket = UInt8(ascii: "[")
        static let closeBracket = UInt8(ascii: "]")
        static let openParen = UInt8(ascii: "(")
        static let closeParen = UInt8(ascii: ")")
        static let bang = UInt8(ascii: "!")
        static let lessThan = UInt8(ascii: "<")
        static let greaterThan = UInt8(ascii: ">")
        static let colon = UInt8(ascii: ":")
        static let at = UInt8(ascii: "@")
    }
}
