import Foundation
import Gateway

/// A `multipart/form-data` body (RFC 7578), split into its parts.
///
/// Tolerant where clients differ (a preamble, bare LF line endings, header case, quoted or
/// bare parameters, RFC 5987 `filename*=UTF-8''…`), strict where it matters: a body without
/// its closing delimiter, or a part without headers, is refused with a 400 naming the problem.
///
/// ```swift
/// let form = try MultipartFormData(body: data, contentType: "multipart/form-data; boundary=XyZ")
/// let file = form.parts.first { $0.name == "file" }
/// ```
struct MultipartFormData {
    /// One field or file of the form.
    struct Part {
        let name: String?
        let fileName: String?
        let contentType: String?
        let body: Data
    }

    /// Parts a form may have at most (a document upload needs three).
    static let maximumParts = 64

    let parts: [Part]

    /// The boundary of a `multipart/form-data` content type, or nil for any other type.
    static func boundary(ofContentType contentType: String) throws -> String? {
        let parameters = HeaderParameters(contentType)
        guard parameters.value.lowercased() == "multipart/form-data" else { return nil }
        guard let boundary = parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw GatewayError.invalid("The multipart/form-data content type names no boundary")
        }
        return boundary
    }

    init(body: Data, boundary: String) throws {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [Part] = []
        try body.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let scanner = ByteScanner(bytes)
            let delimiterPattern = BytePattern(delimiter)
            // The first delimiter may follow a preamble; every later one follows a line break.
            guard var position = scanner.find(delimiter, from: 0) else {
                throw GatewayError.invalid("The multipart body holds no part delimited by its boundary")
            }
            while true {
                position += delimiter.count
                if scanner.hasPrefix(Array("--".utf8), at: position) { break }
                position = scanner.skipLineBreak(at: scanner.skipSpaces(at: position))
                guard let headersEnd = scanner.findBlankLine(from: position) else {
                    throw GatewayError.invalid("A multipart part has no blank line after its headers")
                }
                // Not repaired: two file names that differ only in bytes that are not UTF-8
                // would become one name, and the second upload would replace the first.
                guard let headers = String(validating: scanner.slice(position..<headersEnd.start), as: UTF8.self) else {
                    throw GatewayError.invalid("A multipart part's headers (its file name) are not UTF-8")
                }
                guard let next = scanner.findDelimiter(delimiterPattern, from: headersEnd.end) else {
                    throw GatewayError.invalid("The multipart body ends without its closing boundary")
                }
                parts.append(try Self.part(headers: headers, body: Data(scanner.slice(headersEnd.end..<next.contentEnd))))
                guard parts.count <= Self.maximumParts else {
                    throw GatewayError.invalid("The multipart body has more than \(Self.maximumParts) parts")
                }
                position = next.delimiterStart
            }
        }
        self.parts = parts
    }

    /// The first part called `name`.
    func part(named name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// A field's text, if the form has it.
    func text(named name: String) -> String? {
        part(named: name).map { String(decoding: $0.body, as: UTF8.self) }
    }

    private static func part(headers: String, body: Data) throws -> Part {
        var disposition: HeaderParameters?
        var contentType: String?
        for line in headers.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition": disposition = HeaderParameters(value)
            case "content-type": contentType = value
            default: continue
            }
        }
        guard let disposition, disposition.value.lowercased() == "form-data" else {
            throw GatewayError.invalid("A multipart part has no 'Content-Disposition: form-data' header")
        }
        let fileName = disposition.extendedValue("filename") ?? disposition["filename"]
        return Part(name: disposition["name"], fileName: fileName, contentType: contentType, body: body)
    }
}

/// A header value and its `; key=value` parameters (`form-data; name="file"; filename="a b.txt"`).
struct HeaderParameters {
    let value: String
    private let parameters: [String: String]

    init(_ header: String) {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in header {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ";" && !quoted {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        value = fields[0].trimmingCharacters(in: .whitespaces)
        var parameters: [String: String] = [:]
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "=") else { continue }
            let key = field[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            if parameters[key] == nil {
                parameters[key] = field[field.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            }
        }
        self.parameters = parameters
    }

    subscript(_ key: String) -> String? { parameters[key.lowercased()] }

    /// An RFC 5987 parameter (`filename*=UTF-8''na%C3%AFve.txt`), decoded.
    func extendedValue(_ key: String) -> String? {
        guard let raw = parameters[key.lowercased() + "*"] else { return nil }
        let pieces = raw.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }
}

/// Byte searches over a body, without copying it.
private struct ByteScanner {
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    func hasPrefix(_ pattern: [UInt8], at position: Int) -> Bool {
        guard position >= 0, position + pattern.count <= bytes.count else { return false }
        for (offset, byte) in pattern.enumerated() where bytes[position + offset] != byte { return false }
        return true
    }

    /// The first position at or after `start` where `pattern` occurs.
    func find(_ pattern: [UInt8], from start: Int) -> Int? {
        BytePattern(pattern).first(in: bytes, from: start) { _ in true }
    }

    /// The next delimiter that starts a line: where the content before it ends (before its
    /// CRLF or LF) and where the delimiter itself starts. One pass however many near-misses
    /// (a delimiter inside a line) come first.
    func findDelimiter(_ delimiter: BytePattern, from start: Int) -> (contentEnd: Int, delimiterStart: Int)? {
        let bytes = bytes
        guard let found = delimiter.first(in: bytes, from: start, where: { $0 == start || bytes[$0 - 1] == 10 }) else {
            return nil
        }
        // The line break before the delimiter is the delimiter's, unless it lies before
        // `start`: a part with no content has its delimiter right after the blank line, whose
        // line break must not be taken (the content would end before it begins — a crash once).
        if found >= start + 2, bytes[found - 2] == 13, bytes[found - 1] == 10 { return (found - 2, found) }
        if found >= start + 1, bytes[found - 1] == 10 { return (found - 1, found) }
        return (found, found)
    }

    /// The first empty line at or after `start` (CRLFCRLF or LFLF): where it starts and the
    /// first byte after it.
    func findBlankLine(from start: Int) -> (start: Int, end: Int)? {
        if hasPrefix([13, 10], at: start) { return (start, start + 2) }
        if hasPrefix([10], at: start) { return (start, start + 1) }
        var position = start
        while let found = find([10], from: position) {
            let lineEnd = found > start && bytes[found - 1] == 13 ? found - 1 : found
            if hasPrefix([10, 13, 10], at: found) { return (lineEnd, found + 3) }
            if hasPrefix([10, 10], at: found) { return (lineEnd, found + 2) }
            position = found + 1
        }
        return nil
    }

    func skipSpaces(at position: Int) -> Int {
        var position = position
        while position < bytes.count, bytes[position] == 32 || bytes[position] == 9 { position += 1 }
        return position
    }

    func skipLineBreak(at position: Int) -> Int {
        if hasPrefix([13, 10], at: position) { return position + 2 }
        if hasPrefix([10], at: position) { return position + 1 }
        return position
    }
}

/// A byte string to search for, with its Knuth–Morris–Pratt table: a search is linear in the
/// bytes searched whatever the pattern and the body (a 200-byte boundary of dashes over a body
/// of dashes included), and skips with `memchr` while no match is under way.
struct BytePattern {
    let bytes: [UInt8]
    /// `[i]`: the length of the longest proper prefix of `bytes[...i]` that is also its suffix.
    private let failure: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var failure = [Int](repeating: 0, count: bytes.count)
        var length = 0
        for index in bytes.indices.dropFirst() {
            while length > 0, bytes[index] != bytes[length] { length = failure[length - 1] }
            if bytes[index] == bytes[length] { length += 1 }
            failure[index] = length
        }
        self.failure = failure
    }

    /// The start of the first occurrence at or after `start` that `accept` takes.
    func first(in body: UnsafeRawBufferPointer, from start: Int, where accept: (Int) -> Bool) -> Int? {
        guard let first = bytes.first, start >= 0, let base = body.baseAddress else { return nil }
        var matched = 0
        var position = start
        while position < body.count {
            if matched == 0 {
                guard let found = memchr(base + position, Int32(first), body.count - position) else { return nil }
                position = base.distance(to: UnsafeRawPointer(found))
            }
            let byte = body[position]
            while matched > 0, byte != bytes[matched] { matched = failure[matched - 1] }
            if byte == bytes[matched] { matched += 1 }
            if matched == bytes.count {
                let found = position + 1 - bytes.count
                if accept(found) { return found }
                matched = failure[matched - 1]
            }
            position += 1
        }
        return nil
    }
}
