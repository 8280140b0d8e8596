/// A backend behind the gateway's ``FairAdmission``: a request waits in its team's queue for
/// a slot, runs on `backend` holding it, is charged the tokens it is served, and gives the
/// slot back the moment it ends — completed, failed, or cancelled by a client that hung up
/// (which also cancels the backend's request, so an upstream stops generating).
///
/// This is what makes an upstream engine fair: the engine itself serves whatever arrives first,
/// so the gateway lets no more arrive than it has slots, in the fair order. In front of an
/// ``UpstreamPool`` the budget follows the pool's health: the sum over its healthy upstreams.
///
/// ```swift
/// let admission = FairAdmission(configuration: try SchedulingConfiguration(concurrency: 64))
/// let backend = ScheduledBackend(UpstreamBackend(configuration: upstream), admission: admission)
/// ```
public struct ScheduledBackend: InlineGenerating {
    public let backend: any LanguageModelBackend
    public let admission: FairAdmission

    public init(_ backend: any LanguageModelBackend, admission: FairAdmission) {
        self.backend = backend
        self.admission = admission
        if let pool = backend as? UpstreamPool {
            let members = pool.size
            admission.scale(toHealthy: pool.healthyCount, of: members)
            pool.observeHealth { [weak admission] healthy in admission?.scale(toHealthy: healthy, of: members) }
        }
    }

    /// The generation in the caller's task, once admitted: a request waits for its slot, is
    /// charged each token as it streams, and gives the slot back at its finish (before the
    /// client sees the end, so its next request finds it) or however else it ends.
    public func generate(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws {
        let ticket = try await admit(request)
        defer { ticket.release() }
        try await backend.relay(request) { event in
            switch event {
            case .delta(let text):
                if !text.isEmpty { ticket.charge(generatedTokens: 1) }
            case .finished(let usage, _):
                ticket.settle(completionTokens: usage.completionTokens)
                ticket.release()
            }
            sink(event)
        }
    }

    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        let ticket = try await admit(request)
        defer { ticket.release() }
        let completion = try await backend.complete(request)
        ticket.settle(completionTokens: completion.usage.completionTokens)
        return completion
    }

    public var upstreams: [UpstreamStatus] { backend.upstreams }

    /// - Throws: ``BackendError/withdrawn`` when the client went away while the request waited
    ///   (the engine never saw it: the gateway charges nothing), or the admission's refusal.
    private func admit(_ request: GenerationRequest) async throws -> FairAdmission.Ticket {
        do {
            return try await admission.admit(
                tenant: request.tenant.description, weight: request.weight,
                promptTokens: TokenEstimate.prompt(of: request.messages))
        } catch is CancellationError {
            throw BackendError.withdrawn
        }
    }
}
