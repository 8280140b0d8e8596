import Gateway
import NIOCore

/// The chunks of one stream as whole server-sent events, written without `JSONEncoder`:
/// everything before a chunk's `delta` is the same in every chunk of a stream, so it is
/// encoded once (by ``ChatCompletionChunk``'s layout) and each chunk is that prefix, its
/// delta and the rest — one buffer, one pass over the text, no encoder per token. The role
/// chunk with sources and the usage chunk (one per stream, with structures of their own) stay
/// with ``ChatCompletionChunk``; `StreamChunkEncoderTests` holds every chunk here to what the
/// encoder says.
///
/// ```swift
/// let chunks = StreamChunkEncoder(execution: execution, includeUsage: false)
/// var buffer = ByteBuffer()
/// chunks.write(text: "Hello", to: &buffer)  // data: {"id":…,"delta":{"content":"Hello"},…}\n\n
/// ```
struct StreamChunkEncoder: Sendable {
    /// `data: {"id":…,"choices":[{"index":0,"delta":{`
    private let head: [UInt8]
    /// After the choices: `,"usage":null` with `include_usage`, then `}` and the blank line.
    private let end: [UInt8]

    init(execution: ChatExecution, includeUsage: Bool) {
        var head = Array(#"data: {"id":"#.utf8)
        Self.appendString(execution.id, to: &head)
        head += #","object":"chat.completion.chunk","created":"#.utf8
        head += String(execution.created).utf8
        head += #","model":"#.utf8
        Self.appendString(execution.model, to: &head)
        if execution.cached { head += #","cached":true"#.utf8 }
        head += #","choices":[{"index":0,"delta":{"#.utf8
        self.head = head
        end = Array(((includeUsage ? #","usage":null"# : "") + "}\n\n").utf8)
    }

    /// Appends the whole `data: …\n\n` event of a chunk carrying `text` to `buffer`.
    func write(text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { utf8 in
            buffer.reserveCapacity(minimumWritableBytes: head.count + utf8.count + utf8.count / 8 + 64 + end.count)
            buffer.writeBytes(head)
            buffer.writeStaticString(#""content":""#)
            Self.writeEscaped(utf8, to: &buffer)
            buffer.writeStaticString(#""},"logprobs":null,"finish_reason":null}]"#)
            buffer.writeBytes(end)
        }
    }

    /// Appends the first chunk (the assistant's role, no text) of an answer that drew on no
    /// sources (`"sources":[]`).
    func writeRole(to buffer: inout ByteBuffer) {
        buffer.writeBytes(head)
        buffer.writeStaticString(#""role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"sources":[]"#)
        buffer.writeBytes(end)
    }

    /// Appends the chunk that ends the choice with `reason`.
    func write(finish reason: FinishReason, to buffer: inout ByteBuffer) {
        buffer.writeBytes(head)
        buffer.writeStaticString(#"},"logprobs":null,"finish_reason":""#)
        buffer.writeString(reason.rawValue)  // a fixed set of plain ASCII words
        buffer.writeStaticString(#""}]"#)
        buffer.writeBytes(end)
    }

    /// `text` as the inside of a JSON string, escaped as `JSONEncoder` does (quote, backslash
    /// and control characters; slashes and non-ASCII characters as they are): runs that need
    /// no escape are copied whole.
    private static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to buffer: inout ByteBuffer) {
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
                let hex = Array("0123456789abcdef".utf8)
                buffer.writeStaticString(#"\u00"#)
                buffer.writeBytes([hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
            start = index + 1
        }
        if start < utf8.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start...])) }
    }

    private static func appendString(_ string: String, to bytes: inout [UInt8]) {
        var buffer = ByteBuffer()
        var string = string
        string.withUTF8 { writeEscaped($0, to: &buffer) }
        bytes.append(UInt8(ascii: "\""))
        bytes += buffer.readableBytesView
        bytes.append(UInt8(ascii: "\""))
    }
}
