import Foundation

/// A text as the guardrails' detectors and heuristics read it: the disguises that leave a value
/// readable to a person (and to the model) but not to a byte-level detector are undone —
/// invisible characters (every default-ignorable code point: zero-width spaces and joiners,
/// soft hyphens, variation selectors, the combining grapheme joiner, Hangul fillers, tags) are
/// dropped; Unicode spaces and line and paragraph separators read as a space and dashes as `-`;
/// decimal digits of any script as ASCII digits; Cyrillic, Greek, Armenian and Latin letters
/// that look like ASCII ones as those letters; and compatibility
/// forms (full-width `４`, mathematical bold `𝐢`, ligatures) as their ASCII meaning. Everything
/// else is kept byte for byte.
///
/// Each byte remembers where its character starts in the original, so a detector's range in the
/// folded text maps back to the whole original span (``originalRange(_:)``): redaction replaces
/// what the client wrote, and a restored placeholder gives it back unchanged.
///
/// In Tenancy, beside the team's patterns, so that a deny-list's terms are folded exactly as
/// the texts they are matched in (``TermMatcher``).
public struct FoldedText: Sendable {
    public let bytes: [UInt8]
    /// Per folded byte, its offset in the original; nil when nothing was folded.
    private let origins: [Int]?
    private let originalCount: Int

    /// Folds UTF-8 `original`; bytes that are not valid UTF-8 (an answer's unfinished last
    /// character) are kept as they are.
    public init(_ original: [UInt8]) {
        originalCount = original.count
        guard original.contains(where: { $0 >= 0x80 }) else {
            bytes = original
            origins = nil
            return
        }
        var bytes: [UInt8] = []
        var origins: [Int] = []
        bytes.reserveCapacity(original.count)
        origins.reserveCapacity(original.count)
        var changed = false
        var index = 0
        while index < original.count {
            let lead = original[index]
            guard lead >= 0x80, let (scalar, width) = Self.decode(original, at: index) else {
                bytes.append(lead)
                origins.append(index)
                index += 1
                continue
            }
            if let folded = Self.fold(scalar) {
                changed = true
                for byte in folded {
                    bytes.append(byte)
                    origins.append(index)
                }
            } else {
                for offset in 0..<width {
                    bytes.append(original[index + offset])
                    origins.append(index + offset)
                }
            }
            index += width
        }
        self.bytes = changed ? bytes : original
        self.origins = changed ? origins : nil
    }

    public var isIdentity: Bool { origins == nil }

    /// The span of the original that folded bytes `range` came from (invisible characters just
    /// after it included).
    public func originalRange(_ range: Range<Int>) -> Range<Int> {
        guard let origins else { return range }
        let lower = range.lowerBound < origins.count ? origins[range.lowerBound] : originalCount
        let upper = range.upperBound < origins.count ? origins[range.upperBound] : originalCount
        return lower..<max(lower, upper)
    }

    /// What `scalar` reads as (empty: nothing), or nil to keep it as it is.
    public static func fold(_ scalar: Unicode.Scalar) -> [UInt8]? {
        let properties = scalar.properties
        // Format characters alone left variation selectors (`4\u{FE0F}111…`), the combining
        // grapheme joiner and the Hangul fillers (letters, to Unicode) splitting a value unseen:
        // whatever Unicode says a renderer may ignore is dropped.
        if properties.isDefaultIgnorableCodePoint { return [] }
        switch properties.generalCategory {
        case .format: return []
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: return [0x20]
        case .dashPunctuation: return [0x2D]
        case .decimalNumber:
            if let value = properties.numericValue, value >= 0, value <= 9 { return [0x30 + UInt8(value)] }
        default:
            break
        }
        if scalar == "\u{2212}" { return [0x2D] }  // minus sign
        if let letter = lookalikes[scalar.value] { return [letter] }
        guard properties.changesWhenNFKCCaseFolded else { return nil }
        let compatible = String(scalar).precomposedStringWithCompatibilityMapping
        guard !compatible.isEmpty, compatible.utf8.allSatisfy({ $0 < 0x80 }), compatible != String(scalar) else {
            return nil
        }
        return Array(compatible.utf8)
    }

    /// Letters drawn like ASCII ones (after Unicode's confusables list).
    static let lookalikes: [UInt32: UInt8] = {
        let pairs: [(UInt32, Character)] = [
            // Cyrillic small
            (0x0430, "a"), (0x0435, "e"), (0x043E, "o"), (0x0440, "p"), (0x0441, "c"), (0x0443, "y"), (0x0445, "x"),
            (0x0455, "s"), (0x0456, "i"), (0x0458, "j"), (0x0501, "d"), (0x051B, "q"), (0x051D, "w"), (0x04BB, "h"),
            // Cyrillic capital
            (0x0410, "A"), (0x0412, "B"), (0x0415, "E"), (0x041A, "K"), (0x041C, "M"), (0x041D, "H"), (0x041E, "O"),
            (0x0420, "P"), (0x0421, "C"), (0x0422, "T"), (0x0425, "X"), (0x0405, "S"), (0x0406, "I"), (0x0408, "J"),
            (0x04AE, "Y"),
            // Greek
            (0x0391, "A"), (0x0392, "B"), (0x0395, "E"), (0x0396, "Z"), (0x0397, "H"), (0x0399, "I"), (0x039A, "K"),
            (0x039C, "M"), (0x039D, "N"), (0x039F, "O"), (0x03A1, "P"), (0x03A4, "T"), (0x03A5, "Y"), (0x03A7, "X"),
            (0x03BF, "o"), (0x03B1, "a"), (0x03BD, "v"),
            // Armenian, and Latin letters outside ASCII that have no decomposition to fold by
            (0x057D, "u"), (0x0585, "o"), (0x0131, "i"), (0x0261, "g"),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, $0.1.asciiValue!) })
    }()

    /// The scalar starting at `index` and its length in bytes, or nil when the bytes there are
    /// not one whole, valid UTF-8 character.
    public static func decode(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        var decoder = UTF8()
        var iterator = bytes[index...].makeIterator()
        guard case let .scalarValue(scalar) = decoder.decode(&iterator) else { return nil }
        return (scalar, UTF8.width(scalar))
    }
}
