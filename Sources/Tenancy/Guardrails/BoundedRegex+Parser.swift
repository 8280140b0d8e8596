extension BoundedRegex {
    /// Recursive descent over the pattern's bytes into a ``Node`` tree (depth-limited, so a
    /// pattern of 2,000 open parentheses cannot exhaust the stack).
    struct Parser {
        static let maximumDepth = 32

        let bytes: [UInt8]
        var index = 0
        var ignoresCase = false
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func parseWhole() throws(SyntaxError) -> Node {
            if bytes.starts(with: Array("(?i)".utf8)) {
                ignoresCase = true
                index = 4
            }
            let node = try parseAlternation()
            guard index == bytes.count else { throw fail("unbalanced ')'") }
            return node
        }

        private func fail(_ problem: String) -> SyntaxError {
            SyntaxError(description: "\(problem) (at byte \(index))")
        }

        private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func parseAlternation() throws(SyntaxError) -> Node {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth) groups") }
            var branches = [try parseSequence()]
            while peek == UInt8(ascii: "|") {
                index += 1
                branches.append(try parseSequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func parseSequence() throws(SyntaxError) -> Node {
            var nodes: [Node] = []
            while let byte = peek, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                nodes.append(try parseRepetition())
            }
            return nodes.count == 1 ? nodes[0] : .sequence(nodes)
        }

        private mutating func parseRepetition() throws(SyntaxError) -> Node {
            let atom = try parseAtom()
            guard let quantifier = try parseQuantifier() else { return atom }
            let (minimum, maximum) = quantifier
            if case .assert = atom { throw fail("an anchor cannot be repeated") }
            if let next = peek, next == UInt8(ascii: "?") || next == UInt8(ascii: "+") {
                throw fail("lazy and possessive quantifiers are not supported")
            }
            if let next = peek, [UInt8(ascii: "*"), UInt8(ascii: "{")].contains(next) {
                throw fail("a quantifier cannot follow a quantifier")
            }
            if (maximum == nil || maximum! > 1) && atom.repeatsUnboundedly {
                throw fail("nested unbounded repetition such as (a+)+ backtracks catastrophically; write it without nesting")
            }
            return .repetition(atom, minimum: minimum, maximum: maximum)
        }

        private mutating func parseQuantifier() throws(SyntaxError) -> (Int, Int?)? {
            guard let byte = peek else { return nil }
            switch byte {
            case UInt8(ascii: "*"):
                index += 1
                return (0, nil)
            case UInt8(ascii: "+"):
                index += 1
                return (1, nil)
            case UInt8(ascii: "?"):
                index += 1
                return (0, 1)
            case UInt8(ascii: "{"):
                index += 1
                let minimum = try parseNumber()
                var maximum: Int? = minimum
                if peek == UInt8(ascii: ",") {
                    index += 1
                    if peek == UInt8(ascii: "}") {
                        maximum = nil
                    } else {
                        maximum = try parseNumber()
                    }
                }
                guard peek == UInt8(ascii: "}") else { throw fail("'{' without its '}'") }
                index += 1
                if let maximum, maximum < minimum { throw fail("{\(minimum),\(maximum)} counts down") }
                if maximum == 0 { throw fail("{0} repeats nothing") }
                return (minimum, maximum)
            default:
                return nil
            }
        }

        private mutating func parseNumber() throws(SyntaxError) -> Int {
            var value = 0
            var digits = 0
            while let byte = peek, ByteSet.digit.contains(byte) {
                value = value * 10 + Int(byte - 0x30)
                digits += 1
                index += 1
                guard value <= BoundedRegex.maximumRepeat else {
                    throw fail("repetition counts go up to \(BoundedRegex.maximumRepeat)")
                }
            }
            guard digits > 0 else { throw fail("a repetition count must be a number") }
            return value
        }

        private mutating func parseAtom() throws(SyntaxError) -> Node {
            guard let byte = peek else { throw fail("unexpected end") }
            index += 1
            switch byte {
            case UInt8(ascii: "("):
                if peek == UInt8(ascii: "?") {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ":") else {
                        throw fail("lookaround and inline flags are not supported (only a leading (?i))")
                    }
                    index += 2
                }
                let node = try parseAlternation()
                guard peek == UInt8(ascii: ")") else { throw fail("'(' without its ')'") }
                index += 1
                return node
            case UInt8(ascii: "["):
                return .set(try parseClass())
            case UInt8(ascii: "."):
                return .set(ByteSet.anyButNewline)
            case UInt8(ascii: "^"):
                return .assert(.textStart)
            case UInt8(ascii: "$"):
                return .assert(.textEnd)
            case UInt8(ascii: "\\"):
                return try parseEscape(inClass: false).node
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                throw fail("nothing to repeat")
            default:
                return .set(literal(byte))
            }
        }

        private func literal(_ byte: UInt8) -> ByteSet {
            var set = ByteSet()
            set.insert(byte)
            if ignoresCase {
                if (0x41...0x5A).contains(byte) { set.insert(byte + 32) }
                if (0x61...0x7A).contains(byte) { set.insert(byte - 32) }
            }
            return set
        }

        /// After a `\`: a class, an assertion or an escaped byte.
        private mutating func parseEscape(inClass: Bool) throws(SyntaxError) -> (node: Node, byte: UInt8?) {
            guard let byte = peek else { throw fail("a pattern cannot end with '\\'") }
            index += 1
            switch byte {
            case UInt8(ascii: "d"): return (.set(.digit), nil)
            case UInt8(ascii: "D"): return (.set(ByteSet.digit.inverted), nil)
            case UInt8(ascii: "w"): return (.set(.word), nil)
            case UInt8(ascii: "W"): return (.set(ByteSet.word.inverted), nil)
            case UInt8(ascii: "s"): return (.set(.space), nil)
            case UInt8(ascii: "S"): return (.set(ByteSet.space.inverted), nil)
            case UInt8(ascii: "b") where !inClass: return (.assert(.wordBoundary), nil)
            case UInt8(ascii: "B") where !inClass: return (.assert(.notWordBoundary), nil)
            case UInt8(ascii: "n"): return (.set(literal(0x0A)), 0x0A)
            case UInt8(ascii: "t"): return (.set(literal(0x09)), 0x09)
            case UInt8(ascii: "r"): return (.set(literal(0x0D)), 0x0D)
            case UInt8(ascii: "1")...UInt8(ascii: "9"):
                throw fail("backreferences are not supported")
            case _ where ByteSet.word.contains(byte) || byte >= 0x80:
                throw fail("unknown escape '\\\(String(decoding: [byte], as: UTF8.self))'")
            default:
                return (.set(literal(byte)), byte)
            }
        }

        private mutating func parseClass() throws(SyntaxError) -> ByteSet {
            var set = ByteSet()
            let negated = peek == UInt8(ascii: "^")
            if negated { index += 1 }
            var first = true
            while true {
                guard let byte = peek else { throw fail("'[' without its ']'") }
                if byte == UInt8(ascii: "]") && !first { break }
                first = false
                index += 1
                var low: UInt8
                if byte == UInt8(ascii: "\\") {
                    let escaped = try parseEscape(inClass: true)
                    guard let single = escaped.byte else {
                        if case let .set(members) = escaped.node { set.formUnion(members) }
                        continue
                    }
                    low = single
                } else {
                    low = byte
                }
                guard low < 0x80 else { throw fail("classes take ASCII characters only") }
                if peek == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                    index += 1
                    var high = bytes[index]
                    index += 1
                    if high == UInt8(ascii: "\\") {
                        guard let single = try parseEscape(inClass: true).byte else { throw fail("a range needs two characters") }
                        high = single
                    }
                    guard high < 0x80, low <= high else { throw fail("bad range in a class") }
                    for member in low...high { set.formUnion(literal(member)) }
                } else {
                    set.formUnion(literal(low))
                }
            }
            index += 1
            return negated ? set.inverted : set
        }
    }
}
