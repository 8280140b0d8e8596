/// A chat request on its way: the identifiers its response carries, and the events of its
/// generation. The request's audit record is written when ``events`` ends — completed,
/// failed, or dropped by a client that went away.
public struct ChatExecution: Sendable {
    /// `chatcmpl-…`, the same in every chunk of a stream.
    public let id: String
    /// Unix seconds.
    public let created: Int
    /// The served model id.
    public let model: String
    public let sources: [SourceReference]
    public let events: AsyncThrowingStream<GenerationEvent, any Error>

    /// Reads the whole answer (for non-streaming responses).
    public func collect() async throws -> ChatCompletion {
        var text = ""
        for try await event in events {
            switch event {
            case let .delta(piece):
                text += piece
            case let .finished(usage, reason):
                return ChatCompletion(text: text, usage: usage, finishReason: reason)
            }
        }
        throw GatewayError.from(BackendError.malformedResponse("generation ended without a finish event"))
    }
}

/// A whole answer.
public struct ChatCompletion: Sendable, Hashable {
    public let text: String
    public let usage: Usage
    public let finishReason: FinishReason
}
