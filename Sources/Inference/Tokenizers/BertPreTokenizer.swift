/// BERT's word splitting (Hugging Face `BertPreTokenizer`): split at whitespace, which is
/// dropped, and make every punctuation character a word of its own. Punctuation is any ASCII
/// non-alphanumeric symbol (so `$ + < = > ^ ` | ~` too) and every Unicode P* character.
enum BertPreTokenizer {
    /// The words of `scalars`, as ranges into it.
    static func words(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var start: Int?
        for (index, scalar) in scalars.enumerated() {
            if BertNormalizer.isWhitespace(scalar) {
                if let begun = start { words.append(begun..<index); start = nil }
            } else if isPunctuation(scalar) {
                if let begun = start { words.append(begun..<index); start = nil }
                words.append(index..<(index + 1))
            } else if start == nil {
                start = index
            }
        }
        if let begun = start { words.append(begun..<scalars.count) }
        return words
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x21 && value <= 0x2F) || (value >= 0x3A && value <= 0x40)
                || (value >= 0x5B && value <= 0x60) || (value >= 0x7B && value <= 0x7E)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
