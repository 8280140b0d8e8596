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
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard !bytes.contains(0) else { throw .binaryContent(fileName: fileName) }
        // Swift treats "\r\n" as one Character, which would hide line breaks from the readers.
        if bytes.contains(0x0D) { bytes = Self.unixLineEndings(bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .binaryContent(fileName: fileName) }
        return text
    }

    /// `\r\n` and a lone `\r` become `\n`.
    private static func unixLineEndings(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() where byte != 0x0D || bytes.at(index + 1) != 0x0A {
            output.append(byte == 0x0D ? 0x0A : byte)
        }
        return output
    }
}

extension Array where Element == UInt8 {
    fileprivate func at(_ index: Int) -> UInt8? {
        index < count ? self[index] : nil
    }
}
