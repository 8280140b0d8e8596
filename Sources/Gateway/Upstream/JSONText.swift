import NIOCore

/// JSON strings and numbers written straight into a byte buffer, for the bodies written on
/// every request's path: the chat request sent upstream (``UpstreamWire/RequestBody``) and
/// the chunks of a stream (the server's `StreamChunkEncoder`) — and for a guarded value
/// restored into a JSON-mode answer's string (``escaped(_:)``). `JSONEncoder` spent about 40 µs
/// on an upstream request body, most of it generic dispatch through its containers; a writer
/// that knows the shape spends one pass over the text.
///
/// Strings are escaped as `JSONEncoder` escapes them with `.withoutEscapingSlashes`: quote,
/// backslash and control characters; everything else (slashes, non-ASCII) as it is — a Swift
/// string is valid UTF-8, so no other byte needs care. Runs that need no escape are copied whole.
public enum JSONText {
    /// `string` as a JSON string, quotes included.
    public static func writeString(_ string: String, to buffer: inout ByteBuffer) {
        var string = string
        string.withUTF8 { utf8 in
            buffer.reserveCapacity(minimumWritableBytes: utf8.count + utf8.count / 8 + 2)
            buffer.writeInteger(UInt8(ascii: "\""))
            writeEscaped(utf8, to: &buffer)
            buffer.writeInteger(UInt8(ascii: "\""))
        }
    }

    /// The inside of a JSON string holding `string` (no quotes).
    public static func escaped(_ string: String) -> String {
        var buffer = ByteBuffer()
        var string = string
        string.withUTF8 { writeEscaped($0, to: &buffer) }
        return String(buffer: buffer)
    }

    /// The inside of a JSON string holding the UTF-8 text `utf8` (no quotes).
    public static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to buffer: inout ByteBuffer) {
        let raw = UnsafeRawBufferPointer(utf8)
        var start = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if index > start { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<index])) }
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString(#"\""#)
            case UInt8(ascii: "\\"): buffer.writeStaticString(#"\\"#)
            case UInt8(ascii: "\n"): buffer.writeStaticString(#"\n"#)
            case UInt8(ascii: "\r"): buffer.writeStaticString(#"\r"#)
            case UInt8(ascii: "\t"): buffer.writeStaticString(#"\t"#)
            case 0x08: buffer.writeStaticString(#"\b"#)
            case 0x0C: buffer.writeStaticString(#"\f"#)
            default:
                let hex: StaticString = "0123456789abcdef"
                buffer.writeStaticString(#"\u00"#)
                buffer.writeInteger(hex.utf8Start[Int(byte >> 4)])
                buffer.writeInteger(hex.utf8Start[Int(byte & 0xF)])
            }
            start = index + 1
        }
        if start < utf8.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start...])) }
    }

    /// `value` as a JSON number: Swift's shortest form that reads back as the same double
    /// (`0.7`, `1.0`, `1e-05`). JSON has no infinity or NaN, so those throw, as `JSONEncoder` does.
    static func writeNumber(_ value: Double, to buffer: inout ByteBuffer) throws {
        guard value.isFinite else { throw NonFiniteNumber(value: value) }
        buffer.writeString(value.description)
    }

    static func writeNumber(_ value: some BinaryInteger, to buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
    }

    struct NonFiniteNumber: Error, CustomStringConvertible {
        let value: Double
        var description: String { "\(value) cannot be written as a JSON number" }
    }
}
