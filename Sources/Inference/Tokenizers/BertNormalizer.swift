import Foundation

/// BERT's text normalization, as Hugging Face `tokenizers` applies it (`BertNormalizer`), in order:
///
/// 1. clean: delete NUL, U+FFFD and every control, format and private-use character except
///    `\t \n \r`, then turn every whitespace character into a space;
/// 2. put spaces around CJK Unified Ideographs, so each becomes its own word;
/// 3. strip accents: canonical decomposition (NFD), then delete nonspacing marks (Mn);
/// 4. lower-case, per scalar, with Unicode's full mapping ("İ" → "i̇").
///
/// Everything works on Unicode scalars, as the reference does on Rust `char`s; grapheme
/// clusters play no part ("👍🏽" is two scalars).
struct BertNormalizer: Sendable {
    var cleanText = true
    var splitChineseCharacters = true
    var stripAccents = true
    var lowercase = true

    func normalize(_ text: some Sequence<Unicode.Scalar>) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.underestimatedCount)
        for scalar in text {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) { scalars.append(" "); continue }
            }
            if splitChineseCharacters && Self.isChineseCharacter(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        if stripAccents { scalars = Self.strippingAccents(scalars) }
        if lowercase { scalars = Self.lowercased(scalars) }
        return scalars
    }

    /// NFD, then without nonspacing marks. Scalars below U+00C0 have no decomposition, so
    /// plain ASCII text skips the Foundation round trip.
    static func strippingAccents(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains(where: { $0.value >= 0xC0 }) else { return scalars }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text.decomposedStringWithCanonicalMapping.unicodeScalars
            .filter { $0.properties.generalCategory != .nonspacingMark }
    }

    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                let value = scalar.value
                result.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 32)) : scalar)
            } else if scalar.properties.changesWhenLowercased {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return result
    }

    /// `\t`, `\n`, `\r` and every character with Unicode's White_Space property (in ASCII:
    /// U+0009–U+000D and the space, answered without the property lookup, which cost more than
    /// the rest of tokenization on English text).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// Categories Cc, Cf and Co (the reference's "other"; unassigned code points are kept),
    /// except the three whitespace controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// The CJK Unified Ideograph blocks, exactly as the reference lists them (its fifth range
    /// starts at U+2B920, not U+2B820).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
