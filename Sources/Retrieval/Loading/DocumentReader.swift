import Foundation

/// Reads one document format into sections. Each format has its own reader; `DocumentLoader`
/// picks the reader and checks the result holds text.
protocol DocumentReader: Sendable {
    /// The document's sections in reading order.
    /// - Throws: `LoadingError` naming what is wrong with `data`.
    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection]
}

extension DocumentReader {
    /// The bytes as UTF-8 text without a byte-order mark, lines ending in `\n` alone; NUL bytes
    /// or invalid UTF-8 mean binary content.
    func utf8Text(_ data: Data, fileName: String) throws(LoadingError) -> String {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard !bytes.contains(0), let text = String(data: bytes, encoding: .utf8) else {
            throw .binaryContent(fileName: fileName)
        }
        // Swift treats "\r\n" as one Character, which would hide line breaks from the readers.
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
