/// Cuts text at the boundaries the chunker prefers, finest last. Every split returns pieces
/// that together are exactly the input, each with the whitespace that followed it.
enum TextSplitter {
    enum Level: CaseIterable {
        case sentence, line, word
    }

    /// The paragraphs of a section: runs of lines between blank lines.
    static func paragraphs(of text: String) -> [Substring] {
        var paragraphs: [Substring] = []
        var start: String.Index?
        var end = text.startIndex
        var lineStart = text.startIndex
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(of: "\n") ?? text.endIndex
            if text[lineStart..<lineEnd].allSatisfy(\.isWhitespace) {
                if let first = start { paragraphs.append(text[first..<end]) }
                start = nil
            } else {
                if start == nil { start = lineStart }
                end = lineEnd
            }
            lineStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
        }
        if let first = start { paragraphs.append(text[first..<end]) }
        return paragraphs
    }

    static func split(_ text: Substring, at level: Level) -> [Substring] {
        switch level {
        case .sentence: sentences(of: text)
        case .line: pieces(of: text) { character, _ in character == "\n" }
        case .word: pieces(of: text) { character, next in character.isWhitespace && !next.isWhitespace }
        }
    }

    /// Pieces ending between two characters wherever `endsPiece` holds for them.
    private static func pieces(of text: Substring, endsPiece: (Character, Character) -> Bool) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if next < text.endIndex, endsPiece(text[index], text[next]) {
                pieces.append(text[start..<next])
                start = next
            }
            index = next
        }
        if start < text.endIndex { pieces.append(text[start...]) }
        return pieces
    }

    /// Sentences: ending in `.`, `!`, `?` or `…` (closing quotes and brackets included) before
    /// whitespace and a character that is not lower case, except after a common abbreviation
    /// or an initial ("Dr. Lee", "J. Smith"); `。！？` end a sentence without a space.
    static func sentences(of text: Substring) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            var after = text.index(after: index)
            if "。！？".contains(character) {
                while after < text.endIndex, text[after].isWhitespace { after = text.index(after: after) }
                if after < text.endIndex { pieces.append(text[start..<after]); start = after }
                index = after
                continue
            }
            if ".!?…".contains(character) {
                while after < text.endIndex, ".!?…\"'”’)]»".contains(text[after]) { after = text.index(after: after) }
                var next = after
                while next < text.endIndex, text[next].isWhitespace { next = text.index(after: next) }
                if next > after, next < text.endIndex, !text[next].isLowercase,
                   !(character == "." && isAbbreviation(text[start..<index])) {
                    pieces.append(text[start..<next])
                    start = next
                }
                index = next > after ? next : after
                continue
            }
            index = after
        }
        if start < text.endIndex { pieces.append(text[start...]) }
        return pieces
    }

    /// Whether the word before a period is an abbreviation or an initial, not a sentence end.
    private static func isAbbreviation(_ textBeforePeriod: Substring) -> Bool {
        let word = textBeforePeriod.reversed().prefix { !$0.isWhitespace && $0 != "(" }.reversed()
        let lowered = String(word).lowercased()
        if lowered.count == 1, lowered.first?.isLetter == true { return true }
        return abbreviations.contains(lowered)
    }

    private static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "fig", "no", "nr", "inc", "ltd", "jr",
        "sr", "approx", "cf", "al", "ca", "eq", "sec", "ch", "vol", "p", "pp", "z.b", "bzw", "usw", "ggf",
    ]

    /// A word too long for the target, cut into the longest prefixes that fit (at least one
    /// character each, so the cut always progresses).
    static func characterPieces(of text: Substring, fitting fits: (Substring) -> Bool) -> [Substring] {
        var pieces: [Substring] = []
        var rest = text
        while !rest.isEmpty {
            // Gallop to a length that does not fit (or to the end), then bisect: a piece costs in
            // proportion to its own length. Counting all of the rest for every piece was
            // quadratic in a long unbroken run of text.
            var low = 1
            var high = 1
            var probe = 64
            while true {
                let prefix = rest.prefix(probe)
                let length = prefix.count
                guard fits(prefix) else {
                    high = length - 1
                    break
                }
                low = max(low, length)
                high = low
                if length < probe { break }  // all of the rest fits
                probe *= 2
            }
            while low < high {  // the longest prefix length that fits
                let middle = (low + high + 1) / 2
                if fits(rest.prefix(middle)) { low = middle } else { high = middle - 1 }
            }
            pieces.append(rest.prefix(low))
            rest = rest.dropFirst(low)
        }
        return pieces
    }
}
