/// Reads text inside a Jinja string literal, resolving its escapes, and tells when the text is not
/// literal (a quote closes the string before the end marker).
enum JinjaLiteral {
    /// The literal text from the start of `source` up to `end`; nil when a quote or template tag comes first.
    /// `droppingLeadingNewline`: the text must start with a newline (real or `\n`), which is dropped.
    static func text(in source: Substring, droppingLeadingNewline: Bool, until end: String) -> String? {
        var rest = source
        if droppingLeadingNewline {
            if rest.hasPrefix("\n") {
                rest = rest.dropFirst()
            } else if rest.hasPrefix("\\n") {
                rest = rest.dropFirst(2)
            } else {
                return nil
            }
        }
        var text = ""
        while !rest.isEmpty {
            if rest.hasPrefix(end) { return text }
            if rest.hasPrefix("{{") || rest.hasPrefix("{%") { return nil }
            let character = rest.removeFirst()
            switch character {
            case "'", "\"":
                return nil
            case "\\":
                guard let escaped = rest.first else { return nil }
                rest.removeFirst()
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                default: text.append(escaped)
                }
            default:
                text.append(character)
            }
        }
        return nil
    }
}
