/// Splits text at the special tokens written in it, exactly in llama.cpp's order
/// (`tokenizer_st_partition`): special tokens are taken longest first, each one splitting every text
/// fragment left to right. Control and unknown tokens are split only when special parsing is asked for;
/// user-defined tokens also without it (as llama.cpp does), but never inside message content.
///
/// A byte trie finds which special tokens occur at all, so a vocabulary with thousands of special
/// tokens costs one pass over the text, not one search per token.
struct SpecialTokenSplitter: Sendable {
    /// The vocabulary's special tokens, longest text first.
    private let tokens: [TokenID]
    private let lengths: [Int]
    /// Whether a token is split even when special parsing is off (user-defined tokens).
    private let alwaysParsed: [Bool]
    /// The tokens that swallow whitespace beside them (Phi-3's), with the side they strip.
    private let strips: [TokenID: (left: Bool, right: Bool)]
    private let trie: ByteTrie

    init(vocabulary: Vocabulary) {
        tokens = vocabulary.specialTokens
        lengths = tokens.map { vocabulary.text(of: $0).utf8.count }
        alwaysParsed = tokens.map {
            vocabulary.attributes(of: $0).isDisjoint(with: [.control, .unknown])
        }
        var strips: [TokenID: (left: Bool, right: Bool)] = [:]
        for id in tokens {
            let attributes = vocabulary.attributes(of: id)
            if !attributes.isDisjoint(with: [.leftStrip, .rightStrip]) {
                strips[id] = (attributes.contains(.leftStrip), attributes.contains(.rightStrip))
            }
        }
        self.strips = strips
        var trie = ByteTrie()
        for (order, id) in tokens.enumerated() { trie.insert(Array(vocabulary.text(of: id).utf8), value: order) }
        self.trie = trie
    }

    /// The fragments of consecutive texts read as one text, each parsing special tokens or not;
    /// adjacent plain text is joined, and strip attributes remove whitespace beside their tokens.
    func fragments(_ pieces: [(text: String, parsing: SpecialTokenParsing)]) -> [TextFragment] {
        var fragments: [TextFragment] = []
        for piece in pieces {
            let bytes = Array(piece.text.utf8)
            for part in split(bytes, parsing: piece.parsing) {
                switch part {
                case .text(let range): appendText(bytes[range], to: &fragments)
                case .token(let order): fragments.append(.token(tokens[order]))
                }
            }
        }
        return stripWhitespace(fragments)
    }

    private enum Part {
        case text(Range<Int>)
        case token(Int)
    }

    private func split(_ bytes: [UInt8], parsing: SpecialTokenParsing) -> [Part] {
        guard !bytes.isEmpty else { return [] }
        var parts: [Part] = [.text(0..<bytes.count)]
        guard parsing != .none else { return parts }
        let occurrences = trie.occurrences(in: bytes) { parsing == .all || alwaysParsed[$0] }
        for order in occurrences.keys.sorted() {
            parts = splitParts(parts, at: occurrences[order]!, length: lengths[order], token: order)
        }
        return parts
    }

    /// Splits every text part at the leftmost non-overlapping occurrences of one token.
    private func splitParts(_ parts: [Part], at positions: [Int], length: Int, token: Int) -> [Part] {
        var result: [Part] = []
        result.reserveCapacity(parts.count + 2 * positions.count)
        var next = 0
        for part in parts {
            guard case .text(let range) = part else {
                result.append(part)
                continue
            }
            var start = range.lowerBound
            while next < positions.count, positions[next] < start { next += 1 }
            while next < positions.count, positions[next] + length <= range.upperBound {
                let position = positions[next]
                if position > start { result.append(.text(start..<position)) }
                result.append(.token(token))
                start = position + length
                while next < positions.count, positions[next] < start { next += 1 }
            }
            if start < range.upperBound { result.append(.text(start..<range.upperBound)) }
        }
        return result
    }

    private func appendText(_ bytes: ArraySlice<UInt8>, to fragments: inout [TextFragment]) {
        if case .text(let previous)? = fragments.last {
            fragments[fragments.count - 1] = .text(previous + bytes)
        } else {
            fragments.append(.text(Array(bytes)))
        }
    }

    /// Removes the whitespace that left- and right-stripping tokens swallow (C `isspace`, as llama.cpp).
    private func stripWhitespace(_ fragments: [TextFragment]) -> [TextFragment] {
        guard !strips.isEmpty else { return fragments }
        var result = fragments
        for index in result.indices {
            guard case .text(var bytes) = result[index] else { continue }
            if index > 0, case .token(let id) = result[index - 1], strips[id]?.right == true {
                bytes = Array(bytes.drop(while: Self.isSpace))
            }
            if index + 1 < result.count, case .token(let id) = result[index + 1], strips[id]?.left == true {
                while let last = bytes.last, Self.isSpace(last) { bytes.removeLast() }
            }
            result[index] = .text(bytes)
        }
        return result.filter { $0 != .text([]) }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
