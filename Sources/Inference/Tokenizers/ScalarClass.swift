/// The Unicode classes the pre-tokenizer regexes ask about (`\s`, `\p{L}`, `\p{N}`, `\p{P}`),
/// with llama.cpp's precedence: whitespace first, then the general category.
enum ScalarClass: UInt8, Sendable {
    case whitespace
    case letter
    case number
    case punctuation
    /// Symbols, marks, controls and anything unassigned.
    case other
    /// Past the end of the piece being scanned (no class at all, like llama.cpp's empty flags).
    case outside

    /// The class of one Unicode scalar value.
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        value < 128 ? asciiTable[Int(value)] : classify(value)
    }

    private static let asciiTable: [ScalarClass] = (0..<128).map { classify(UInt32($0)) }

    private static func classify(_ value: UInt32) -> ScalarClass {
        guard let scalar = Unicode.Scalar(value) else { return .other }
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punctuation
        default:
            return .other
        }
    }
}
