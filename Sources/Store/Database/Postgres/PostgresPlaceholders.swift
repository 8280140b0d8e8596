import Foundation

/// Reading SQL the way PostgreSQL does, as far as Atrium needs: turning the `?` placeholders
/// the repositories write into `$1, $2, …`, and cutting a script into statements — leaving
/// question marks and semicolons inside string literals, quoted identifiers and comments alone.
enum PostgresPlaceholders {
    static func numbered(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        scan(sql) { character, code in
            if code, character == "?" {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// The statements of a script, split at the semicolons that end them, trimmed, empty
    /// ones dropped.
    static func statements(of script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        scan(script) { character, code in
            if code, character == ";" {
                statements.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// Calls `visit` for every character, saying whether it is code (outside literals,
    /// quoted identifiers, `--` comments and `$$` bodies).
    private static func scan(_ sql: String, _ visit: (Character, _ code: Bool) -> Void) {
        var quote: Character? = nil
        var lineComment = false
        var dollarQuoted = false
        var previous: Character? = nil
        for character in sql {
            defer { previous = character }
            if lineComment {
                if character == "\n" { lineComment = false }
                visit(character, false)
            } else if dollarQuoted {
                // A `$$` body (a function's) ends at the next `$$`.
                if character == "$", previous == "$" { dollarQuoted = false }
                visit(character, false)
            } else if let open = quote {
                if character == open { quote = nil }
                visit(character, false)
            } else if character == "'" || character == "\"" {
                quote = character
                visit(character, false)
            } else if character == "-", previous == "-" {
                lineComment = true
                visit(character, false)
            } else if character == "$", previous == "$" {
                dollarQuoted = true
                visit(character, false)
            } else {
                visit(character, true)
            }
        }
    }
}
