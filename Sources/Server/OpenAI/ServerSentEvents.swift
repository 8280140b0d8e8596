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
        let cursor = EventCursor(execution.events)
        do {
            try await cursor.readFirst()
        } catch {
            execution.cancel()
            throw error
        }
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await write(execution, from: cursor, includeUsage: includeUsage, to: &writer)
                try await writer.finish(nil)
            })
    }

    private static func write(
        _ execution: ChatExecution, from cursor: EventCursor, includeUsage: Bool, to writer: inout any ResponseBodyWriter
    ) async throws {
        func send(_ payload: ChatCompletionChunk.Payload, _ writer: inout any ResponseBodyWriter) async throws {
            let chunk = ChatCompletionChunk(execution: execution, payload: payload, includeUsage: includeUsage)
            try await writer.write(event(try JSONOutput.encode(chunk)))
        }
        // Text chunks, one per token, skip the JSON encoder (the others are one per stream).
        let textChunks = TextChunkEncoder(execution: execution, includeUsage: includeUsage)
        try await send(.role, &writer)
        do {
            while let generated = try await cursor.next() {
                switch generated {
                case let .delta(text):
                    if !text.isEmpty { try await writer.write(textChunks.event(text: text)) }
                case let .finished(usage, reason):
                    try await send(.finish(reason), &writer)
                    if includeUsage { try await send(.usage(usage), &writer) }
                }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        } catch {
            execution.cancel()
            let failure = OpenAIErrorMiddleware.gatewayError(for: error)
            try await writer.write(event(try JSONOutput.encode(ErrorResponse(failure))))
        }
    }

    private static func event(_ json: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.readableBytes + 8)
        buffer.writeString("data: ")
        buffer.writeImmutableBuffer(json)
        buffer.writeString("\n\n")
        return buffer
    }
}

/// A stream's events, the first read ahead (it decides the status line) and handed out again
/// before the rest. One reader at a time: the route reads the first, then the response body
/// the others, one after the other — hence the unchecked `Sendable`.
private final class EventCursor: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<GenerationEvent, any Error>.AsyncIterator
    private var first: GenerationEvent?

    init(_ events: AsyncThrowingStream<GenerationEvent, any Error>) {
        iterator = events.makeAsyncIterator()
    }

    func readFirst() async throws {
        first = try await iterator.next()
    }

    func next() async throws -> GenerationEvent? {
        if let first {
            self.first = nil
            return first
        }
        return try await iterator.next()
    }
}
