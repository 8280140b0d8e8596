/// A folded text (``FoldedText``) as a deny-list reads it: every letter in lower case, in every
/// script, and each word boundary written as a byte of its own, so that a term matches where
/// its keys occur as plain bytes — as a whole word wherever it starts or ends with a word
/// character, since its own keys then begin or end with a boundary.
///
/// A term is read exactly as a text is: folded, then keyed (``TermMatcher``).
public struct TermKeys: Sendable {
    /// Stands for a word boundary: the byte 0xFF never occurs in UTF-8.
    static let boundary: UInt8 = 0xFF

    private(set) var bytes: [UInt8] = []
    /// Per key byte, the span of the folded text its character came from (a boundary's is
    /// empty, where it lies).
    private(set) var starts: [Int] = []
    private(set) var ends: [Int] = []

    /// The keys of folded UTF-8 `text`; bytes that are not valid UTF-8 (an answer's unfinished
    /// last character) are kept as they are, as no word's.
    public init(folded text: [UInt8]) {
        bytes.reserveCapacity(text.count + text.count / 4)
        starts.reserveCapacity(text.count + text.count / 4)
        ends.reserveCapacity(text.count + text.count / 4)
        var inWord = false
        var index = 0
        while index < text.count {
            let byte = text[index]
            var width = 1
            var isWord = false
            var key: [UInt8] = []
            if byte < 0x80 {
                isWord = byte &- 0x30 < 10 || (byte | 0x20) &- 0x61 < 26 || byte == 0x5F
                key = [byte &- 0x41 < 26 ? byte | 0x20 : byte]
            } else if let (scalar, scalarWidth) = FoldedText.decode(text, at: index) {
                width = scalarWidth
                isWord = Self.isWord(scalar)
                key = Self.key(scalar)
            } else {
                key = [byte]
            }
            if isWord != inWord { append([Self.boundary], from: index..<index) }
            append(key, from: index..<(index + width))
            inWord = isWord
            index += width
        }
        if inWord { append([Self.boundary], from: index..<index) }
    }

    var count: Int { bytes.count }

    private mutating func append(_ key: [UInt8], from span: Range<Int>) {
        for byte in key {
            bytes.append(byte)
            starts.append(span.lowerBound)
            ends.append(span.upperBound)
        }
    }

    /// A non-ASCII scalar in lower case, any look-alike among its lower-case letters read as
    /// its ASCII letter. The folding maps look-alikes by their own case (capital `В` is a `B`,
    /// small `в` no `b`), so after lower-casing the small letters of the capital look-alikes are
    /// mapped too: else `ВОДА` (folded `BOДA`) would never meet `вода`. One pair cannot be made
    /// to agree: Greek `Ν` folds to `N` and `ν` to `v`, so a Greek term's `ν` matches as written.
    static func key(_ scalar: Unicode.Scalar) -> [UInt8] {
        let properties = scalar.properties
        guard properties.changesWhenLowercased || lowercaseLookalikes[scalar.value] != nil || scalar == "\u{03C2}"
        else { return Array(String(scalar).utf8) }
        var key: [UInt8] = []
        for lower in properties.lowercaseMapping.unicodeScalars {
            if let letter = lowercaseLookalikes[lower.value] {
                key.append(letter)
            } else {
                // Final sigma is the same letter as σ (Unicode's case folding says so too).
                key.append(contentsOf: (lower == "\u{03C2}" ? "\u{03C3}" : String(lower)).utf8)
            }
        }
        return key
    }

    /// ``FoldedText/lookalikes`` in lower case, with the small letters of its capitals.
    static let lowercaseLookalikes: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        for (value, letter) in FoldedText.lookalikes {
            let lower = letter &- 0x41 < 26 ? letter | 0x20 : letter
            table[value] = lower
            let small = Unicode.Scalar(value)!.properties.lowercaseMapping.unicodeScalars
            if small.count == 1, let only = small.first, FoldedText.lookalikes[only.value] == nil {
                table[only.value] = lower
            }
        }
        return table
    }()

    /// Whether `scalar` is part of a word: a letter, mark or number of any script, so that
    /// `секрет` is not found in `секретарь` nor `caf` in `café` (an ASCII-only `\b` read the `é`
    /// as a boundary). Not in scripts written without spaces between words (Han, kana, Thai,
    /// Lao, Khmer, Myanmar): there a word has letters on both sides, and a term is found
    /// wherever it occurs, else it would never be.
    public static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation:
            break
        default:
            return false
        }
        if properties.isIdeographic { return false }
        switch scalar.value {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F:
            return false
        default:
            return true
        }
    }
}
