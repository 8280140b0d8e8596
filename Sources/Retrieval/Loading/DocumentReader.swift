import Foundation

/// Reads one document format into sections. Each format has its own reader; `DocumentLoader`
/// picks the reader and checks the result holds text.
protocol DocumentReader: Sendable {
    /// The document's sections in reading order.
    /// - Throws: `LoadingError` naming what is wrong with `data`.
    func read(_ data: Data, fileName: String) throws(LoadingError) -> [DocumentSection]
}

extension DocumentReader {
    /// The bytes as text without a byte-order mark, lines ending in `\n` alone: UTF-8, or UTF-16
    /// that starts with its byte-order mark (what Windows editors save as "Unicode"; it was
    /// refused as binary). NUL characters or invalid UTF-8 mean binary content.
    func utf8Text(_ data: Data, fileName: String) throws(LoadingError) -> String {
        var bytes = [UInt8](data)
        if let utf16 = Self.utf8(fromUTF16: bytes) { bytes = utf16 }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard !bytes.contains(0) else { throw .binaryContent(fileName: fileName) }
        // Swift treats "\r\n" as one Character, which would hide line breaks from the readers.
        if bytes.contains(0x0D) { bytes = Self.unixLineEndings(bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .binaryContent(fileName: fileName) }
        return text
    }

    /// UTF-16 bytes that start with a byte-order mark (FF FE little-endian, FE FF big-endian), as
    /// UTF-8 without the mark; nil for anything else, or UTF-16 that does not decode.
    private static func utf8(fromUTF16 bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 2, bytes.count % 2 == 0 else { return nil }
        let littleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0xFF, 0xFE): littleEndian = true
        case (0xFE, 0xFF): littleEndian = false
        default: return nil
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2 - 1)
        for index in stride(from: 2, to: bytes.count, by: 2) {
            let (first, second) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
        }
        return String(validating: units, as: UTF16.self).map { Array($0.utf8) }
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
