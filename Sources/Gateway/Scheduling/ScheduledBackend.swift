/// A backend behind the gateway's ``FairAdmission``: a request waits in its team's queue for
/// a slot, runs on `backend` holding it, is charged the tokens it is served, and gives the
/// slot back the moment it ends — completed, failed, or cancelled by a client that hung up
/// (which also cancels the backend's request, so an upstream stops generating).
///
/// This is what makes an upstream engine fair: the engine itself serves whatever arrives first,
/// so the gateway lets no more arrive than it has slots, in the fair order.
///
/// ```swift
/// let admission = FairAdmission(configuration: try SchedulingConfiguration(concurrency: 64))
/// let backend = ScheduledBackend(UpstreamBackend(configuration: upstream), admission: admission)
/// ```
public struct ScheduledBackend: LanguageModelBackend {
    public let backend: any LanguageModelBackend
    public let admission: FairAdmission

    public init(_ backend: any LanguageModelBackend, admission: FairAdmission) {
        self.backend = backend
        self.admission = admission
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let task = Task {
            var held: FairAdmission.Ticket?
            do {
                let ticket = try await admit(request)
                held = ticket
                func forward(_ event: GenerationEvent) {
                    switch event {
                    case .delta(let text):
                        if !text.isEmpty { ticket.charge(generatedTokens: 1) }
                    case .finished(let usage, _):
                        ticket.settle(completionTokens: usage.completionTokens)
                        // The slot is free before the client sees the end, so its next request finds it.
                        ticket.release()
                    }
                    continuation.yield(event)
                }
                if let inline = backend as? any InlineGenerating {
                    try await inline.generate(request, into: forward)  // no stream hop per token
                } else {
                    for try await event in backend.generate(request) { forward(event) }
                }
                ticket.release()
                continuation.finish()
            } catch {
                held?.release()
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        let ticket = try await admit(request)
        defer { ticket.release() }
        let completion = try await backend.complete(request)
        ticket.settle(completionTokens: completion.usage.completionTokens)
        return completion
    }

    public var upstreams: [UpstreamStatus] { backend.upstreams }

    private func admit(_ request: GenerationRequest) async throws -> FairAdmission.Ticket {
        try await admission.admit(
            tenant: request.tenant.description, weight: request.weight,
            promptTokens: TokenEstimate.prompt(of: request.messages))
    }
}
