import Foundation

/// An `application/x-www-form-urlencoded` body, as the console's forms post it. A field
/// given twice keeps its first value; a value with a NUL or other control character (but
/// tab and line breaks, which a text area sends) is refused by ``value(_:)``, and so is one
/// whose percent-encoding does not decode (a stray `%`, bytes that are not UTF-8): read as
/// empty, it once silently cleared a team's system prompt.
struct FormBody: Sendable {
    /// Each field's value; nil where it does not decode.
    private var fields: [String: String?] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count == 2 ? Self.decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = .some(value) }
        }
    }

    /// The field's value, or `nil` when absent.
    /// - Throws: ``ConsoleFailure`` when it does not decode or carries control characters.
    func value(_ name: String) throws -> String? {
        guard let field = fields[name] else { return nil }
        guard let value = field else { throw ConsoleFailure.invalid("is not valid percent-encoded UTF-8", field: name) }
        if value.unicodeScalars.contains(where: {
            $0.properties.generalCategory == .control && !"\t\r\n".unicodeScalars.contains($0)
        }) {
            throw ConsoleFailure.invalid("must not contain control characters", field: name)
        }
        return value
    }

    /// A text area's value as it was written: browsers send every line break of a text area
    /// as CR LF, so a profile saved unchanged once had its prompt's line breaks rewritten.
    func multiline(_ name: String) throws -> String? {
        try value(name)?.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The value with surrounding white space removed; `nil` when absent or empty.
    func text(_ name: String) throws -> String? {
        let trimmed = try value(name)?.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed?.isEmpty == false ? trimmed : nil
    }

    /// A required field.
    func required(_ name: String) throws -> String {
        guard let text = try text(name) else { throw ConsoleFailure.invalid("is required", field: name) }
        return text
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
