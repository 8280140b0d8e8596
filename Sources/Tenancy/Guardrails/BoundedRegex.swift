/// A regular expression for untrusted patterns: compiled to a small automaton and run as a
/// Pike VM, which follows every alternative at once instead of backtracking, so matching
/// takes time linear in the text times the pattern's size — and each call draws on a step
/// budget, so even that bound is capped per request.
///
/// Syntax (bytes of UTF-8 text): literals, `.` (any byte but a line break), classes `[a-z_]`,
/// `[^0-9]` (ASCII), `\d \w \s \D \W \S`, `\b \B`, `^ $` (text start and end), groups `( )`
/// and `(?: )`, `|`, and `* + ? {n} {n,} {n,m}` (at most 100); a leading `(?i)` ignores ASCII
/// case. Refused with a reason: backreferences, lookaround, lazy and possessive quantifiers,
/// nested unbounded repetition such as `(a+)+` (catastrophic in backtracking engines, so a
/// pattern stays safe wherever it is copied), and patterns that match empty text.
///
/// ```swift
/// let regex = try BoundedRegex("PRJ-[0-9]{4}")
/// var budget = 1_000_000
/// let ranges = try regex.matches(in: Array("see PRJ-1234".utf8), budget: &budget)   // [4..<12]
/// ```
public struct BoundedRegex: Sendable, Hashable {
    public static let maximumSourceBytes = 2048
    public static let maximumInstructions = 8192
    public static let maximumRepeat = 100

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The request's step budget ran out before matching finished.
    public struct BudgetExceeded: Error, Sendable {}

    public let source: String
    let program: [Instruction]

    public init(_ source: String) throws(SyntaxError) {
        guard source.utf8.count <= Self.maximumSourceBytes else {
            throw SyntaxError(description: "longer than \(Self.maximumSourceBytes) bytes")
        }
        var parser = Parser(bytes: Array(source.utf8))
        let node = try parser.parseWhole()
        var program: [Instruction] = []
        try Self.compile(node, into: &program)
        program.append(.match)
        self.source = source
        self.program = program
        var budget = Int.max
        if (try? matches(in: [], budget: &budget))?.isEmpty == false || node.canBeEmpty {
            throw SyntaxError(description: "the pattern matches empty text")
        }
    }

    public static func == (lhs: BoundedRegex, rhs: BoundedRegex) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// `text` with every character that has a meaning in a pattern escaped.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\^$.|?*+()[]{}".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    // MARK: Matching

    /// The thread lists of a match, kept by a caller that matches many texts or patterns (a
    /// request's scans) so that a call costs its steps only: fresh lists cost the pattern's
    /// size (up to 8,192 entries each) in every call, however short the text — a one-letter
    /// message against 31 large patterns paid 31 × 384 KB of zeroing, outside the budget.
    /// The lists are sparse sets, so reuse needs no clearing; they grow to the largest program.
    public struct Scratch: Sendable {
        var current = ThreadList(size: 0)
        var next = ThreadList(size: 0)

        public init() {}
    }

    /// The leftmost-longest, non-overlapping matches, as byte ranges of `text`.
    /// - Throws: ``BudgetExceeded`` once `budget` (thread steps) is spent.
    public func matches(in text: [UInt8], budget: inout Int) throws(BudgetExceeded) -> [Range<Int>] {
        var scratch = Scratch()
        return try matches(in: text, budget: &budget, scratch: &scratch)
    }

    /// ``matches(in:budget:)`` on thread lists reused from earlier calls.
    public func matches(in text: [UInt8], budget: inout Int, scratch: inout Scratch) throws(BudgetExceeded)
        -> [Range<Int>]
    {
        // A spent budget refuses before any work, so a request past it costs nothing more.
        guard budget > 0 else { throw BudgetExceeded() }
        scratch.current.reserve(program.count)
        scratch.next.reserve(program.count)
        var found: [Range<Int>] = []
        var position = 0
        while position <= text.count {
            guard let match = try firstMatch(in: text, from: position, budget: &budget, &scratch.current, &scratch.next)
            else { break }
            found.append(match)
            position = max(match.upperBound, match.lowerBound + 1)
        }
        return found
    }

    private func firstMatch(
        in text: [UInt8], from start: Int, budget: inout Int, _ current: inout ThreadList, _ next: inout ThreadList
    ) throws(BudgetExceeded) -> Range<Int>? {
        current.clear()
        var matchStart = -1
        var matchEnd = -1
        var position = start
        while position <= text.count {
            if matchStart < 0 { try add(0, start: position, at: position, text, to: &current, budget: &budget) }
            if current.count == 0 {
                if matchStart >= 0 { break }
                position += 1
                continue
            }
            next.clear()
            let byte: UInt8? = position < text.count ? text[position] : nil
            for index in 0..<current.count {
                let pc = current.pcs[index]
                let threadStart = current.starts[index]
                if matchStart >= 0 && threadStart > matchStart { break }  // lower priority than a found match
                budget -= 1
                if budget < 0 { throw BudgetExceeded() }
                switch program[pc] {
                case .match:
                    if matchStart < 0 || threadStart < matchStart || position > matchEnd {
                        matchStart = threadStart
                        matchEnd = position
                    }
                case let .set(set):
                    if let byte, set.contains(byte) {
                        try add(pc + 1, start: threadStart, at: position + 1, text, to: &next, budget: &budget)
                    }
                default:
                    break
                }
            }
            swap(&current, &next)
            if current.count == 0 && matchStart >= 0 { break }
            position += 1
        }
        return matchStart >= 0 ? matchStart..<matchEnd : nil
    }

    /// Adds the thread at `pc` and everything it reaches without reading a byte.
    private func add(
        _ pc: Int, start: Int, at position: Int, _ text: [UInt8], to list: inout ThreadList, budget: inout Int
    ) throws(BudgetExceeded) {
        list.stack.removeAll(keepingCapacity: true)
        list.stack.append(pc)
        while let pc = list.stack.popLast() {
            guard !list.contains(pc) else { continue }
            budget -= 1
            if budget < 0 { throw BudgetExceeded() }
            list.insert(pc, start: start)
            switch program[pc] {
            case let .jump(target):
                list.stack.append(target)
            case let .split(first, second):
                list.stack.append(second)
                list.stack.append(first)
            case let .assert(assertion):
                if assertion.holds(at: position, in: text) { list.stack.append(pc + 1) }
            case .set, .match:
                break
            }
        }
    }

    // MARK: Program

    enum Instruction: Sendable, Hashable {
        case set(ByteSet)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    enum Assertion: Sendable, Hashable {
        case textStart, textEnd, wordBoundary, notWordBoundary

        func holds(at position: Int, in text: [UInt8]) -> Bool {
            switch self {
            case .textStart: return position == 0
            case .textEnd: return position == text.count
            case .wordBoundary, .notWordBoundary:
                let before = position > 0 && ByteSet.word.contains(text[position - 1])
                let after = position < text.count && ByteSet.word.contains(text[position])
                return (before != after) == (self == .wordBoundary)
            }
        }
    }

    indirect enum Node {
        case set(ByteSet)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, minimum: Int, maximum: Int?)
        case assert(Assertion)

        var canBeEmpty: Bool {
            switch self {
            case .set: false
            case let .sequence(nodes): nodes.allSatisfy(\.canBeEmpty)
            case let .alternation(nodes): nodes.contains(where: \.canBeEmpty)
            case let .repetition(node, minimum, _): minimum == 0 || node.canBeEmpty
            case .assert: true
            }
        }

        var repeatsUnboundedly: Bool {
            switch self {
            case .set, .assert: false
            case let .sequence(nodes), let .alternation(nodes): nodes.contains(where: \.repeatsUnboundedly)
            case let .repetition(node, _, maximum): maximum == nil || node.repeatsUnboundedly
            }
        }
    }

    private static func compile(_ node: Node, into program: inout [Instruction]) throws(SyntaxError) {
        guard program.count < maximumInstructions else {
            throw SyntaxError(description: "too large once its repetitions are expanded")
        }
        switch node {
        case let .set(set):
            program.append(.set(set))
        case let .assert(assertion):
            program.append(.assert(assertion))
        case let .sequence(nodes):
            for node in nodes { try compile(node, into: &program) }
        case let .alternation(nodes):
            var jumps: [Int] = []
            for (offset, node) in nodes.enumerated() {
                if offset < nodes.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    try compile(node, into: &program)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try compile(node, into: &program)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case let .repetition(node, minimum, maximum):
            for _ in 0..<minimum { try compile(node, into: &program) }
            if let maximum {
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    try compile(node, into: &program)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                try compile(node, into: &program)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }

    /// Threads of one step: a sparse set of program counters, in priority order, each with
    /// where its match began. Whatever `sparse` holds from earlier use is harmless: an entry
    /// counts only when the dense `pcs` agrees with it below `count`.
    struct ThreadList: Sendable {
        var pcs: [Int]
        var starts: [Int]
        var sparse: [Int]
        var count = 0
        /// Reused for the ε-closure of ``add``, so adding a thread allocates nothing.
        var stack: [Int] = []

        init(size: Int) {
            pcs = Array(repeating: 0, count: size)
            starts = Array(repeating: 0, count: size)
            sparse = Array(repeating: 0, count: size)
        }

        /// Room for a program of `size` instructions.
        mutating func reserve(_ size: Int) {
            guard sparse.count < size else { return }
            let added = size - sparse.count
            pcs.append(contentsOf: repeatElement(0, count: added))
            starts.append(contentsOf: repeatElement(0, count: added))
            sparse.append(contentsOf: repeatElement(0, count: added))
        }

        func contains(_ pc: Int) -> Bool {
            let index = sparse[pc]
            return index < count && pcs[index] == pc
        }

        mutating func insert(_ pc: Int, start: Int) {
            sparse[pc] = count
            pcs[count] = pc
            starts[count] = start
            count += 1
        }

        mutating func clear() { count = 0 }
    }
}

/// A set of bytes, 256 bits.
struct ByteSet: Sendable, Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    static func == (lhs: ByteSet, rhs: ByteSet) -> Bool { lhs.words == rhs.words }
    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func insert(_ range: ClosedRange<UInt8>) {
        for byte in range { insert(byte) }
    }

    mutating func formUnion(_ other: ByteSet) {
        words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
    }

    var inverted: ByteSet {
        var set = ByteSet()
        set.words = (~words.0, ~words.1, ~words.2, ~words.3)
        return set
    }

    static func of(_ ranges: ClosedRange<UInt8>...) -> ByteSet {
        var set = ByteSet()
        for range in ranges { set.insert(range) }
        return set
    }

    static let digit = of(0x30...0x39)
    static let word = of(0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F...0x5F)
    static let space = of(0x09...0x0D, 0x20...0x20)
    static let anyButNewline: ByteSet = {
        var set = of(0...255)
        set.words.0 &= ~(UInt64(1) << 10)
        return set
    }()
}
