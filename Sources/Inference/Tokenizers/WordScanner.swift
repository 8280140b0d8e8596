/// Hand-written equivalents of the pre-tokenizer regexes, scanning Unicode scalars with their classes.
/// Each scan works inside the pieces an earlier stage produced: a lookahead never sees past a piece,
/// exactly as llama.cpp's `unicode_regex_split` runs each regex over each earlier piece.
struct WordScanner {
    let text: UnsafeBufferPointer<UInt32>
    let classes: UnsafeBufferPointer<ScalarClass>

    private static let apostrophe = UInt32(UInt8(ascii: "'"))
    private static let space = UInt32(UInt8(ascii: " "))
    private static let carriageReturn = UInt32(UInt8(ascii: "\r"))
    private static let lineFeed = UInt32(UInt8(ascii: "\n"))

    /// Splits each piece into the runs that `matches` accepts (each scalar alone when `individually`)
    /// and the text between them.
    func isolate(
        _ pieces: [Range<Int>], individually: Bool, matches: (UInt32, ScalarClass) -> Bool
    ) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(pieces.count)
        for piece in pieces {
            var start = piece.lowerBound
            var position = piece.lowerBound
            while position < piece.upperBound {
                guard matches(text[position], classes[position]) else {
                    position += 1
                    continue
                }
                if start < position { result.append(start..<position) }
                var end = position + 1
                if !individually {
                    while end < piece.upperBound, matches(text[end], classes[end]) { end += 1 }
                }
                result.append(position..<end)
                start = end
                position = end
            }
            if start < piece.upperBound { result.append(start..<piece.upperBound) }
        }
        return result
    }

    /// `[0-9][0-9][0-9]`: non-overlapping ASCII digit triples, from the left of each piece.
    func asciiDigitTriples(_ pieces: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(pieces.count)
        for piece in pieces {
            var start = piece.lowerBound
            var position = piece.lowerBound
            while position + 3 <= piece.upperBound {
                if isASCIIDigit(position), isASCIIDigit(position + 1), isASCIIDigit(position + 2) {
                    if start < position { result.append(start..<position) }
                    result.append(position..<position + 3)
                    position += 3
                    start = position
                } else {
                    position += 1
                }
            }
            if start < piece.upperBound { result.append(start..<piece.upperBound) }
        }
        return result
    }

    /// The GPT-2 pattern, as llama.cpp's `unicode_regex_split_custom_gpt2`.
    func gpt2(_ pieces: [Range<Int>]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        words.reserveCapacity(pieces.count * 2)
        for piece in pieces {
            let end = piece.upperBound
            var position = piece.lowerBound
            while position < end {
                let start = position
                position = gpt2WordEnd(from: position, end: end)
                words.append(start..<position)
            }
        }
        return words
    }

    private func gpt2WordEnd(from position: Int, end: Int) -> Int {
        let scalar = text[position]
        if let contraction = contractionEnd(at: position, end: end, caseInsensitive: false) {
            return contraction
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
        let leadingSpace = scalar == Self.space ? 1 : 0
        let kind = classOf(position + leadingSpace, end: end)
        switch kind {
        case .letter, .number:
            return runEnd(from: position + leadingSpace, end: end) { $0 == kind }
        case .punctuation, .other:
            return runEnd(from: position + leadingSpace, end: end) { $0 == .punctuation || $0 == .other }
        case .whitespace, .outside:
            return whitespaceEnd(from: position, end: end) ?? position + 1
        }
    }

    /// The Llama 3 pattern (`digitGroup` 3), or Qwen 2's (`digitGroup` 1), as llama.cpp's
    /// `unicode_regex_split_custom_llama3`.
    func llama3(_ pieces: [Range<Int>], digitGroup: Int) -> [Range<Int>] {
        var words: [Range<Int>] = []
        words.reserveCapacity(pieces.count * 2)
        for piece in pieces {
            let end = piece.upperBound
            var position = piece.lowerBound
            while position < end {
                if classes[position] == .number {
                    // `\p{N}{1,digitGroup}`
                    let runEnd = runEnd(from: position, end: end) { $0 == .number }
                    while position < runEnd {
                        let next = min(position + digitGroup, runEnd)
                        words.append(position..<next)
                        position = next
                    }
                    continue
                }
                let start = position
                position = llama3WordEnd(from: position, end: end)
                words.append(start..<position)
            }
        }
        return words
    }

    private func llama3WordEnd(from position: Int, end: Int) -> Int {
        let scalar = text[position]
        let kind = classes[position]
        if let contraction = contractionEnd(at: position, end: end, caseInsensitive: true) {
            return contraction
        }
        // `[^\r\n\p{L}\p{N}]?\p{L}+` (numbers were handled by the caller)
        if scalar != Self.carriageReturn, scalar != Self.lineFeed,
            kind == .letter || classOf(position + 1, end: end) == .letter
        {
            return runEnd(from: position + 1, end: end) { $0 == .letter }
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let leadingSpace = scalar == Self.space ? 1 : 0
        let next = classOf(position + leadingSpace, end: end)
        if next == .punctuation || next == .other || next == .outside {
            var wordEnd = runEnd(from: position + leadingSpace, end: end) { $0 == .punctuation || $0 == .other }
            while wordEnd < end, text[wordEnd] == Self.carriageReturn || text[wordEnd] == Self.lineFeed {
                wordEnd += 1
            }
            return wordEnd
        }
        // `\s*[\r\n]+`: through the last line break of the whitespace run
        var lastLineBreakEnd: Int?
        var cursor = position
        while cursor < end, classes[cursor] == .whitespace {
            if text[cursor] == Self.carriageReturn || text[cursor] == Self.lineFeed { lastLineBreakEnd = cursor + 1 }
            cursor += 1
        }
        if let lastLineBreakEnd { return lastLineBreakEnd }
        return whitespaceEnd(from: position, end: end) ?? position + 1
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `position`.
    private func contractionEnd(at position: Int, end: Int, caseInsensitive: Bool) -> Int? {
        guard text[position] == Self.apostrophe, position + 1 < end else { return nil }
        let first = folded(text[position + 1], caseInsensitive)
        if first == "s" || first == "t" || first == "m" || first == "d" { return position + 2 }
        guard position + 2 < end else { return nil }
        let second = folded(text[position + 2], caseInsensitive)
        if (first == "r" && second == "e") || (first == "v" && second == "e") || (first == "l" && second == "l") {
            return position + 3
        }
        return nil
    }

    /// `\s+(?!\S)` then `\s+`: a whitespace run leaves its last scalar to the next word when
    /// something follows inside the piece.
    private func whitespaceEnd(from position: Int, end: Int) -> Int? {
        let runEnd = runEnd(from: position, end: end) { $0 == .whitespace }
        let count = runEnd - position
        if count > 1, runEnd < end { return runEnd - 1 }
        return count > 0 ? runEnd : nil
    }

    @inline(__always)
    private func runEnd(from start: Int, end: Int, while accepts: (ScalarClass) -> Bool) -> Int {
        var position = start
        while position < end, accepts(classes[position]) { position += 1 }
        return position
    }

    @inline(__always)
    private func classOf(_ position: Int, end: Int) -> ScalarClass {
        position < end ? classes[position] : .outside
    }

    @inline(__always)
    private func isASCIIDigit(_ position: Int) -> Bool {
        text[position] >= 0x30 && text[position] <= 0x39
    }

    /// The ASCII letter a scalar is (lowercased when `caseInsensitive`), or nil. Only ASCII letters
    /// spell the contractions.
    @inline(__always)
    private func folded(_ value: UInt32, _ caseInsensitive: Bool) -> Unicode.Scalar? {
        guard value < 0x80 else { return nil }
        let lowered = caseInsensitive && value >= 0x41 && value <= 0x5A ? value + 32 : value
        return Unicode.Scalar(UInt8(lowered))
    }
}
