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
            JSONText.writeEscaped(utf8, to: &buffer)
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

    private static func appendString(_ string: String, to bytes: inout [UInt8]) {
        var buffer = ByteBuffer()
        JSONText.writeString(string, to: &buffer)
        bytes += buffer.readableBytesView
    }
}
