import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Streams a chat execution as OpenAI server-sent events: `data: {chunk}\n\n` per chunk and
/// `data: [DONE]\n\n` at the end.
///
/// The status line waits for the first event, so a request refused before it produced
/// anything — the engine's queue timed out (503), the upstream refused it — gets its HTTP
/// error status like a non-streamed one. A failure after the stream began is sent as one
/// `data: {"error": …}` event (the status line is long gone) and the stream ends.
enum ServerSentEvents {
    static func response(for execution: ChatExecution, includeUsage: Bool) async throws -> Response {
        var first: [GenerationEvent] = []
        do {
            _ = try await execution.events.take(into: &first)
        } catch {
            execution.cancel()
            throw error
        }
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [first] writer in
                try await write(execution, startingWith: first, includeUsage: includeUsage, to: &writer)
                try await writer.finish(nil)
            })
    }

    /// Writes the events as they come, every event pending at a time in one write (one
    /// system call for what a stream's writer found waiting, not one per token).
    private static func write(
        _ execution: ChatExecution, startingWith first: [GenerationEvent], includeUsage: Bool,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        func appendChunk(_ payload: ChatCompletionChunk.Payload, to buffer: inout ByteBuffer) throws {
            let chunk = ChatCompletionChunk(execution: execution, payload: payload, includeUsage: includeUsage)
            appendEvent(try JSONOutput.encode(chunk), to: &buffer)
        }
        // Chunks skip the JSON encoder, but for the sources and the usage (one per stream).
        let chunks = StreamChunkEncoder(execution: execution, includeUsage: includeUsage)
        var buffer = ByteBuffer()
        if execution.sources.isEmpty {
            chunks.writeRole(to: &buffer)
        } else {
            try appendChunk(.role, to: &buffer)
        }
        var batch = first
        do {
            repeat {
                for generated in batch {
                    switch generated {
                    case let .delta(text):
                        if !text.isEmpty { chunks.write(text: text, to: &buffer) }
                    case let .finished(usage, reason):
                        chunks.write(finish: reason, to: &buffer)
                        if includeUsage { try appendChunk(.usage(usage), to: &buffer) }
                    }
                }
                if buffer.readableBytes > 0 {
                    let written = buffer
                    buffer = ByteBuffer()
                    try await writer.write(written)
                }
                batch.removeAll(keepingCapacity: true)
            } while try await execution.events.take(into: &batch)
            buffer.writeString("data: [DONE]\n\n")
        } catch {
            execution.cancel()
            let failure = OpenAIErrorMiddleware.gatewayError(for: error)
            appendEvent(try JSONOutput.encode(ErrorResponse(failure)), to: &buffer)
        }
        try await writer.write(buffer)
    }

    private static func appendEvent(_ json: ByteBuffer, to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: json.readableBytes + 8)
        buffer.writeString("data: ")
        buffer.writeImmutableBuffer(json)
        buffer.writeString("\n\n")
    }
}
