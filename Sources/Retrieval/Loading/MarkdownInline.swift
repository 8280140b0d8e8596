/// Reduces Markdown inline link syntax to the text a reader sees, leaving code spans alone:
/// `[text](url)`, `[text][ref]` and `![alt](src)` become `text` / `alt`, `<https://x>` becomes
/// `https://x`. Other inline markup (emphasis, inline HTML) is kept as written.
enum MarkdownInline {
    static func plainText(_ text: some StringProtocol) -> String {
        let characters = Array(text)
        var output = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "`" {
                index = copyCodeSpan(characters, from: index, into: &output)
            } else if character == "[" || (character == "!" && characters.at(index + 1) == "[") {
                let open = character == "[" ? index : index + 1
                if let (label, next) = link(characters, openingAt: open) {
                    output += plainText(String(characters[(open + 1)..<(label)]))
                    index = next
                } else {
                    output.append(character)
                    index += 1
                }
            } else if character == "<", let (url, next) = autolink(characters, from: index) {
                output += url
                index = next
            } else {
                output.append(character)
                index += 1
            }
        }
        return output
    }

    /// Copies a code span (a run of backticks up to the same run) unchanged; a lone run is
    /// copied as literal backticks.
    private static func copyCodeSpan(_ characters: [Character], from start: Int, into output: inout String) -> Int {
        let run = characters[start...].prefix { $0 == "`" }.count
        var index = start + run
        while index < characters.count {
            if characters[index] == "`" {
                let closing = characters[index...].prefix { $0 == "`" }.count
                if closing == run {
                    output += String(characters[start..<(index + closing)])
                    return index + closing
                }
                index += closing
            } else {
                index += 1
            }
        }
        output += String(repeating: "`", count: run)
        return start + run
    }

    /// For `[label](destination)` or `[label][ref]` starting at `open`: the index of the
    /// label's closing bracket and the index after the whole link; nil when it is not a link.
    private static func link(_ characters: [Character], openingAt open: Int) -> (labelEnd: Int, next: Int)? {
        guard let close = matching(characters, from: open, open: "[", close: "]") else { return nil }
        switch characters.at(close + 1) {
        case "(":
            guard let end = matching(characters, from: close + 1, open: "(", close: ")") else { return nil }
            return (close, end + 1)
        case "[":
            guard let end = matching(characters, from: close + 1, open: "[", close: "]") else { return nil }
            return (close, end + 1)
        default:
            return nil
        }
    }

    /// The index of the bracket closing the one at `start`, counting nested pairs.
    private static func matching(_ characters: [Character], from start: Int, open: Character, close: Character) -> Int? {
        var depth = 0
        for index in start..<characters.count {
            if characters[index] == "\\" { continue }
            if characters[index] == open, index == start || characters[index - 1] != "\\" { depth += 1 }
            if characters[index] == close, characters[index - 1] != "\\" {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        return nil
    }

    /// `<scheme:…>` or `<user@host>` with no spaces inside: the address and the index after `>`.
    private static func autolink(_ characters: [Character], from start: Int) -> (String, Int)? {
        guard let end = characters[(start + 1)...].firstIndex(where: { $0 == ">" || $0.isWhitespace || $0 == "<" }),
              characters[end] == ">", end > start + 1
        else { return nil }
        let address = String(characters[(start + 1)..<end])
        guard address.contains(":") || address.contains("@") else { return nil }
        return (address, end + 1)
    }
}

extension Array {
    fileprivate func at(_ index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
