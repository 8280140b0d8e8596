/// The rule for short free text that people read in listings — emails, key names, document
/// names, alert destination names, single sign-on groups: no control characters (NUL
/// included), no line or paragraph separators, no bidirectional overrides and no invisible
/// formatting characters (zero-width spaces and joiners, byte-order marks, direction marks,
/// tag characters), so what a listing shows is what was stored, on one line, in the order it
/// was typed, and two names that look alike are alike.
///
/// Message and document *content* is not held to this rule: it may be any Unicode.
public enum PlainText {
    /// Whether `text` holds a character this rule refuses.
    public static func hasForbiddenCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isForbidden)
    }

    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional embeddings, overrides and isolates
        default: scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
        }
    }

    /// The problem a refusal names.
    public static let problem =
        "may not contain control characters (NUL, line breaks, tabs), direction overrides or invisible formatting characters"
}
