import Inference

/// A request that holds a KV-cache slot: its prompt progress, decoder and output stream.
final class ActiveSequence {
    let id: Int
    let slot: Int
    let request: ServingRequest
    let reservedBytes: Int
    let submitted: ContinuousClock.Instant
    /// The engine's forward passes before submission, for ``ServingUsage/forwardPasses``.
    let submittedPass: Int
    let continuation: AsyncThrowingStream<ServingEvent, any Error>.Continuation
    var decoder: SequenceDecoder
    /// Prompt tokens already in the cache.
    var promptDone = 0
    /// Tokens in this slot's cache (prompt and fed-back generated tokens).
    var cached = 0
    /// The sampled token to feed next (decode phase).
    var pendingToken: TokenID?
    var firstTokenDelay: Duration?
    /// Prompt tokens copied from the prefix cache.
    var cachedPrefix = 0
    /// The engine step that last computed tokens of this sequence (-1: none yet).
    var lastServed = -1

    init(id: Int, slot: Int, request: ServingRequest, reservedBytes: Int, submitted: ContinuousClock.Instant, submittedPass: Int,
         continuation: AsyncThrowingStream<ServingEvent, any Error>.Continuation, decoder: SequenceDecoder) {
        self.id = id
        self.slot = slot
        self.request = request
        self.reservedBytes = reservedBytes
        self.submitted = submitted
        self.submittedPass = submittedPass
        self.continuation = continuation
        self.decoder = decoder
    }

    var isPrefilling: Bool { promptDone < request.prompt.count }

    /// What the sequence asks of the next step.
    var candidate: StepPlanner.Candidate {
        .init(id: id, tenant: request.tenant, promptRemaining: request.prompt.count - promptDone, lastServed: lastServed)
    }
}
