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
