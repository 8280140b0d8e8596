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

    /// The whole answer at once, for clients that do not stream. The default collects
    /// ``generate(_:)``; a backend may answer more directly (an upstream makes one plain
    /// call in the caller's task).
    func complete(_ request: GenerationRequest) async throws -> ChatCompletion

    /// The upstream servers behind the backend and their state (none for the embedded engine).
    var upstreams: [UpstreamStatus] { get }

    /// The fair admissions in front of the backend's models, by model id (none for the
    /// embedded engine, which schedules inside itself).
    var admissions: [String: FairAdmission] { get }
}

extension LanguageModelBackend {
    public var upstreams: [UpstreamStatus] { [] }
    public var admissions: [String: FairAdmission] { [:] }

    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        var text = ""
        for try await event in generate(request) {
            switch event {
            case let .delta(piece):
                text += piece
            case let .finished(usage, reason):
                return ChatCompletion(text: text, usage: usage, finishReason: reason)
            }
        }
        throw BackendError.malformedResponse("generation ended without a finish event")
    }
}
