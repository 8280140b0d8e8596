import Foundation

/// Reads `.csv` with a header row (RFC 4180 quoting: `"a, b"`, `"say ""hi"""`, line breaks
/// inside quotes). Each row becomes one paragraph of `header: value` lines, so a search for a
/// value finds its row together with what the value means. Semicolon- and tab-separated files,
/// common where the comma is the decimal mark, are recognised from the header row.
///
/// ```
/// name,city          →   name: Ada
/// Ada,London             city: London
/// ```
struct CSVReader: DocumentReader {
    /// Column names longer than this are cut (with a "…").
    static let maximumNameLength = 120

    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        let text = try utf8Text(data, fileName: fileName)
        let records = try Self.records(of: text, separator: Self.separator(of: text), fileName: fileName)
        guard let header = records.first else { return [] }
        let names = header.enumerated().map { index, name in
            // Every value's line repeats its column's name: a long name is cut, or a megabyte
            // header over a million one-letter rows would make a terabyte of text.
            let name = SectionBuilder.collapsingWhitespace(name)
            return name.isEmpty ? "column \(index + 1)" : name.count > Self.maximumNameLength
                ? String(name.prefix(Self.maximumNameLength)) + "…" : name
        }
        var builder = SectionBuilder()
        for record in records.dropFirst() {
            let lines = record.enumerated().compactMap { index, value -> String? in
                let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !value.isEmpty else { return nil }
                let name = index < names.count ? names[index] : "column \(index + 1)"
                // A value with line breaks stays on its line so the row reads as one record.
                return "\(name): \(SectionBuilder.collapsingWhitespace(value))"
            }
            builder.paragraph(lines.joined(separator: "\n"))
        }
        return builder.sections
    }

    /// The separator used in the header row: comma unless semicolons or tabs outnumber commas.
    static func separator(of text: String) -> Character {
        let candidates: [Character] = [",", ";", "\t"]
        var counts = [Int](repeating: 0, count: candidates.count)
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if character == "\n", !quoted { break }
            if !quoted, let index = candidates.firstIndex(of: character) { counts[index] += 1 }
        }
        var best = 0
        for index in candidates.indices where counts[index] > counts[best] { best = index }
        return candidates[best]
    }

    /// The records of `text`, each a list of fields; blank lines are skipped.
    /// - Throws: `.malformed` for a quote left open or text after a closing quote.
    static func records(of text: String, separator: Character, fileName: String) throws(LoadingError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var fieldWasQuoted = false
        var line = 1
        var quoteOpenedOnLine = 1
        var characters = text.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" { line += 1 }
                    field.append(character)
                }
            } else if character == "\"", field.isEmpty, !fieldWasQuoted {
                quoted = true
                fieldWasQuoted = true
                quoteOpenedOnLine = line
            } else if character == separator {
                record.append(field)
                field = ""
                fieldWasQuoted = false
            } else if character == "\n" {
                record.append(field)
                if !(record.count == 1 && record[0].isEmpty && !fieldWasQuoted) { records.append(record) }
                record = []
                field = ""
                fieldWasQuoted = false
                line += 1
            } else if fieldWasQuoted, !character.isWhitespace {
                throw .malformed(fileName: fileName, reason: "line \(line): text after a closing quote")
            } else if !fieldWasQuoted {
                field.append(character)
            }
        }
        if quoted {
            throw .malformed(fileName: fileName, reason: "line \(quoteOpenedOnLine): a quoted field is never closed")
        }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
