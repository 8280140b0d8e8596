/// A backend that can also run a generation in the caller's task, handing each event to a
/// sink as it comes. The layers in front of it (a pool's failover, the fair scheduler) then
/// call it directly instead of reading its stream: each `AsyncThrowingStream` between the
/// upstream's bytes and the client costs a hand-over between tasks per token, which at tens of
/// thousands of tokens a second is most of what relaying costs.
///
/// ```swift
/// try await backend.generate(request) { event in forward(event) }
/// ```
public protocol InlineGenerating: LanguageModelBackend {
    /// Runs the generation in the calling task: events go to `sink` in order; a failure is
    /// thrown (a ``BackendError`` where possible); cancelling the task stops it.
    func generate(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws
}

extension InlineGenerating {
    /// The stream form, for callers that read one: the inline generation in a task of its
    /// own, cancelled when the reader goes away.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let task = Task(executorPreference: TaskPlacement.preferredExecutor) {
            do {
                try await self.generate(request, into: { _ = continuation.yield($0) })
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension LanguageModelBackend {
    /// Runs the generation in the calling task, each event handed to `sink` in order: inline
    /// where the backend can (no stream hand-over per event), else by reading its stream.
    func relay(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws {
        if let inline = self as? any InlineGenerating {
            try await inline.generate(request, into: sink)
        } else {
            for try await event in generate(request) { sink(event) }
        }
    }
}
