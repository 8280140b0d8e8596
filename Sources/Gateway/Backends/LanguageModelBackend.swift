/// Where text comes from: the embedded engine, or an upstream OpenAI-compatible server.
///
/// A backend turns one ``GenerationRequest`` (already shaped by the team's profile) into a
/// stream of events: zero or more ``GenerationEvent/delta(_:)`` carrying text, then exactly one
/// ``GenerationEvent/finished(_:_:)`` with the token usage and why generation stopped. A
/// failure ends the stream with an error (prefer ``BackendError`` so clients get a clear
/// message). Cancelling the consuming task must stop generation.
///
/// ```swift
/// for try await event in backend.generate(request) {
///     switch event {
///     case let .delta(text): send(text)
///     case let .finished(usage, reason): account(usage, reason)
///     }
/// }
/// ```
public protocol LanguageModelBackend: Sendable {
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
}
