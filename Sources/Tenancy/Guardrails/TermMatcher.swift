/// A deny-list compiled to a trie of its terms' keys (``TermKeys``): a term matches in any case
/// and script, through the disguises ``FoldedText`` undoes, as a whole word where it starts or
/// ends with a word character.
///
/// Matching walks the trie from each position of the text, so it costs at most the longest
/// term's keys per byte — about one step per byte for ordinary text — however many terms there
/// are, and needs no step budget. As one regular expression of alternatives, 200 terms cost
/// ~900 steps per byte and spent a request's budget on a 5.6 KB prompt.
///
/// ```swift
/// let matcher = try TermMatcher(["bluebird", "секрет"])
/// let text = FoldedText(Array("the BLUEBIRD, это Секрет".utf8))
/// matcher.matches(in: TermKeys(folded: text.bytes)).map(text.originalRange)   // [4..<12, 21..<33]
/// ```
public struct TermMatcher: Sendable {
    /// A term with nothing a text can show (only invisible characters).
    public struct EmptyTerm: Error, Sendable {
        /// Its index in the list.
        public let index: Int
    }

    /// Per node, whether a term ends there; node 0 is the root.
    private var accepting: [Bool] = [false]
    /// The root's children by byte (0: none): most positions of a text go no further.
    private var roots = [Int32](repeating: 0, count: 256)
    /// The other edges, `node << 8 | byte` → child.
    private var edges: [Int: Int32] = [:]

    public init(_ terms: [String]) throws(EmptyTerm) {
        for (index, term) in terms.enumerated() {
            let keys = TermKeys(folded: FoldedText(Array(term.utf8)).bytes).bytes
            guard !keys.isEmpty else { throw EmptyTerm(index: index) }
            var node = 0
            for (depth, byte) in keys.enumerated() {
                let existing = depth == 0 ? Int(roots[Int(byte)]) : Int(edges[node << 8 | Int(byte)] ?? 0)
                if existing != 0 {
                    node = existing
                    continue
                }
                let child = Int32(accepting.count)
                accepting.append(false)
                if depth == 0 { roots[Int(byte)] = child } else { edges[node << 8 | Int(byte)] = child }
                node = Int(child)
            }
            accepting[node] = true
        }
    }

    /// The leftmost-longest, non-overlapping matches, as byte ranges of the folded text that
    /// `text` was made from.
    public func matches(in text: TermKeys) -> [Range<Int>] {
        let keys = text.bytes
        var found: [Range<Int>] = []
        var start = 0
        while start < keys.count {
            var node = Int(roots[Int(keys[start])])
            guard node != 0 else {
                start += 1
                continue
            }
            var end = accepting[node] ? start + 1 : -1
            var index = start + 1
            while index < keys.count, let child = edges[node << 8 | Int(keys[index])] {
                node = Int(child)
                index += 1
                if accepting[node] { end = index }
            }
            guard end > start else {
                start += 1
                continue
            }
            found.append(text.starts[start]..<text.ends[end - 1])
            start = end
        }
        return found
    }
}
