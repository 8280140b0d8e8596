/// A chat request on its way: the identifiers its response carries, and the events of its
/// generation. The request's audit record is written when ``events`` ends — completed,
/// failed, or dropped by a client that went away: generation stops when the last copy of
/// the execution is released or ``cancel()`` is called.
public struct ChatExecution: Sendable {
    /// `chatcmpl-…`, the same in every chunk of a stream.
    public let id: String
    /// Unix seconds.
    public let created: Int
    /// The served model id.
    public let model: String
    public let sources: [SourceReference]
    /// How the team's response cache found the replayed answer; nil when it is generated.
    public let cacheHit: ResponseCacheHit?
    public let events: GenerationEvents
    /// Whether the team's guardrails check the answer on its way (``events`` then carries the
    /// guarded text); when false the events are the backend's own, untouched.
    public let guardsAnswer: Bool
    let generation: GenerationHandle

    /// Whether the answer is replayed from the team's response cache.
    public var cached: Bool { cacheHit != nil }

    /// Stops generation (the client went away); the stream ends and the record is written.
    public func cancel() {
        generation.task.cancel()
    }

    /// Reads the whole stream (tests; non-streaming requests use ``ChatPipeline/answer(_:in:audit:)``).
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

/// The running generation: cancelled when nobody holds the execution any more, because a
/// stream's own continuation keeps it alive and would let an abandoned generation run on.
final class GenerationHandle: Sendable {
    let task: Task<Void, Never>

    init(task: Task<Void, Never>) {
        self.task = task
    }

    deinit {
        task.cancel()
    }
}

/// A whole answer.
public struct ChatCompletion: Sendable, Hashable {
    public let text: String
    public let usage: Usage
    public let finishReason: FinishReason

    public init(text: String, usage: Usage, finishReason: FinishReason) {
        self.text = text
        self.usage = usage
        self.finishReason = finishReason
    }
}

/// A non-streamed chat, answered: the identifiers its response carries and the answer.
public struct ChatAnswer: Sendable {
    /// `chatcmpl-…`.
    public let id: String
    /// Unix seconds.
    public let created: Int
    /// The served model id.
    public let model: String
    public let sources: [SourceReference]
    /// How the team's response cache found the answer; nil when it was generated.
    public let cacheHit: ResponseCacheHit?
    public let completion: ChatCompletion

    /// Whether the answer came from the team's response cache.
    public var cached: Bool { cacheHit != nil }
}
