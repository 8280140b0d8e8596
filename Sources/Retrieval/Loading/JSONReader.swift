import Foundation

/// Reads `.json` (or JSON Lines): members become `path: value` lines (`customer.address.city:
/// Lyon`), so each value is found with its meaning. An array of objects is a list of records:
/// each record is its own paragraph, so the chunker keeps records whole. Arrays of scalars read
/// as one comma-separated line; nulls and empty strings are left out.
struct JSONReader: DocumentReader {
    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection] {
        var parser = JSONValueParser(try utf8Text(data, fileName: fileName))
        let values: [JSONValue]
        do {
            values = try parser.values()
        } catch {
            throw .malformed(fileName: fileName, reason: "invalid JSON at line \(parser.line(of: error.offset)): \(error.message)")
        }
        // Several top-level values (JSON Lines) are a list of records.
        let document = values.count == 1 ? values[0] : .array(values)
        var flattener = Flattener()
        flattener.collect(document, path: "")
        var builder = SectionBuilder()
        for paragraph in flattener.finish() { builder.paragraph(paragraph) }
        return builder.sections
    }

    /// Turns a value into paragraphs of `path: value` lines.
    struct Flattener {
        private var paragraphs: [String] = []
        private var loose: [String] = []

        /// Walks objects; arrays of objects become one paragraph per record, everything else
        /// lines of the paragraph in progress.
        mutating func collect(_ value: JSONValue, path: String) {
            switch value {
            case .object(let members):
                for (key, member) in members { collect(member, path: Self.join(path, key)) }
            case .array(let elements) where !elements.isEmpty && elements.allSatisfy(\.isObject):
                flushLoose()
                for record in elements { paragraphs.append(Self.lines(record, path: path).joined(separator: "\n")) }
            default:
                loose += Self.lines(value, path: path)
            }
        }

        mutating func finish() -> [String] {
            flushLoose()
            return paragraphs
        }

        private mutating func flushLoose() {
            if !loose.isEmpty { paragraphs.append(loose.joined(separator: "\n")) }
            loose = []
        }

        /// Every scalar under `value`, one line each; nested arrays keep their indices.
        static func lines(_ value: JSONValue, path: String) -> [String] {
            switch value {
            case .null:
                return []
            case .bool(let flag):
                return [line(path, flag ? "true" : "false")]
            case .number(let literal):
                return [line(path, literal)]
            case .string(let text):
                let text = SectionBuilder.collapsingWhitespace(text)
                return text.isEmpty ? [] : [line(path, text)]
            case .object(let members):
                return members.flatMap { lines($0.value, path: join(path, $0.key)) }
            case .array(let elements) where elements.allSatisfy(\.isScalar):
                let items = elements.flatMap { lines($0, path: "") }
                return items.isEmpty ? [] : [line(path, items.joined(separator: ", "))]
            case .array(let elements):
                return elements.enumerated().flatMap { lines($1, path: capped("\(path)[\($0)]")) }
            }
        }

        private static func line(_ path: String, _ value: String) -> String {
            path.isEmpty ? value : "\(path): \(value)"
        }

        private static func join(_ path: String, _ key: String) -> String {
            capped(path.isEmpty ? key : "\(path).\(key)")
        }

        /// Paths longer than this keep their end (the names nearest the value) after a "…".
        static let maximumPathLength = 120

        /// Every value's line repeats its path, so an uncapped path (a megabyte-long key, or 256
        /// levels of `[0]`) made the text grow with keys × values instead of with the input.
        static func capped(_ path: String) -> String {
            guard path.utf8.count > maximumPathLength else { return path }
            return "…" + String(path.suffix(maximumPathLength))
        }
    }
}
