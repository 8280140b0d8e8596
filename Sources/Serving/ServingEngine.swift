import Foundation
import Inference

/// The one shared model instance: every tenant's requests are queued, admitted fairly, and
/// decoded together — one forward pass per step computes one token for every running sequence
/// (weights read once) plus chunks of newly admitted prompts, so a long prompt cannot stall
/// the others. Finished sequences free their slot at once, and so does a client that goes away.
///
/// The model runs on a dedicated thread, never on Swift's cooperative pool, so HTTP handling
/// stays responsive while a forward pass computes.
///
/// ```swift
/// let engine = try ServingEngine(model: local, configuration: ServingConfiguration())
/// for try await event in engine.submit(request) { … }
/// ```
public final class ServingEngine: @unchecked Sendable {
    public let model: LocalModel
    public let configuration: ServingConfiguration

    private let cache: KVCache
    private let clock = ContinuousClock()
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var incoming: [Submission] = []
    private var cancelled: Set<Int> = []
    private var nextID = 0
    private var stopping = false
    private var published = ServingStatistics()
    // Owned by the engine thread:
    private var scheduler = FairScheduler<Submission>()
    private var active: [Int: ActiveSequence] = [:]
    private var slots: SequenceSlots
    private var planner: StepPlanner
    private var stepNumber = 0
    private var lastBatchTokens = 0
    private var forwardPasses = 0
    private var prefixes: PrefixCache
    private var reservedBytes = 0
    private var exited = false

    private struct Submission {
        let id: Int
        let request: ServingRequest
        let reservedBytes: Int
        let submitted: ContinuousClock.Instant
        /// The forward passes run before it was submitted.
        let submittedPass: Int
        let continuation: AsyncThrowingStream<ServingEvent, any Error>.Continuation
    }

    public init(model: LocalModel, configuration: ServingConfiguration) {
        self.model = model
        self.configuration = configuration
        let context = min(configuration.maximumContext, model.network.hyperParameters.contextLength)
        let regular = configuration.maximumSequences
        let sequences = configuration.sequenceSlots
        cache = model.network.makeCache(slots: sequences + configuration.prefixCacheSlots, maximumPositions: context)
        slots = SequenceSlots(regular: regular, reserved: configuration.reservedSequences)
        planner = StepPlanner(maximumBatchTokens: configuration.maximumBatchTokens)
        prefixes = PrefixCache(slots: Array(sequences..<(sequences + configuration.prefixCacheSlots)),
                               budgetBytes: configuration.prefixCacheBudgetBytes)
        // The thread keeps the engine alive until `shutdown` lets it exit.
        let thread = Thread { self.run() }
        thread.name = "atrium-serving"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// A snapshot of queue depth, running sequences, batch size and KV use.
    public var statistics: ServingStatistics {
        condition.lock()
        defer { condition.unlock() }
        return published
    }

    /// Queues `request`; its stream yields text deltas, then one `.finished`. Cancelling the
    /// consuming task (a client that disconnects) frees the request's slot.
    public func submit(_ request: ServingRequest) -> AsyncThrowingStream<ServingEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ServingEvent, any Error>.makeStream()
        let positions = request.prompt.count + request.options.maxTokens
        let bytes = positions * cache.bytesPerPosition
        if request.prompt.isEmpty {
            continuation.finish(throwing: GenerationError.emptyPrompt)
            return stream
        }
        if positions > cache.maximumPositions {
            continuation.finish(throwing: ServingError.tooLong(
                "the prompt (\(request.prompt.count) tokens) plus max_tokens (\(request.options.maxTokens)) exceed the context of \(cache.maximumPositions) tokens"))
            return stream
        }
        if bytes > configuration.kvCacheBudgetBytes {
            continuation.finish(throwing: ServingError.tooLong("the request needs more KV cache than the server's budget"))
            return stream
        }
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else {
            continuation.finish(throwing: ServingError.shutDown)
            return stream
        }
        // The queue's cap is held on the engine thread, where the queue is (a full queue
        // refuses the flooding tenant's newest, see `enqueue`); here only a tenant's own
        // submissions not yet taken up are bounded, so its flood cannot outgrow the queue.
        guard incoming.count(where: { $0.request.tenant == request.tenant }) < max(configuration.maximumQueued, 1) else {
            continuation.finish(throwing: Self.queueFull(configuration))
            return stream
        }
        let id = nextID
        nextID += 1
        incoming.append(Submission(id: id, request: request, reservedBytes: bytes, submitted: clock.now,
                                   submittedPass: published.forwardPasses, continuation: continuation))
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.cancel(id) }
        }
        condition.signal()
        return stream
    }

    /// Stops admitting new requests, lets the running and queued ones finish, then stops the
    /// engine thread. Call it before letting go of the engine.
    public func shutdown() async {
        beginShutdown()
        while !hasExited { try? await Task.sleep(for: .milliseconds(5)) }
    }

    private var hasExited: Bool {
        condition.lock()
        defer { condition.unlock() }
        return exited
    }

    private func beginShutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func cancel(_ id: Int) {
        condition.lock()
        cancelled.insert(id)
        condition.signal()
        condition.unlock()
    }

    // MARK: - The engine thread

    private func run() {
        defer {
            condition.lock()
            exited = true
            condition.unlock()
        }
        while true {
            guard let (submissions, cancellations, exiting) = waitForWork() else { return }
            for submission in submissions { enqueue(submission) }
            for id in cancellations { drop(id) }
            expireWaiting()
            admit()
            publish()
            if active.isEmpty {
                if exiting && scheduler.waitingCount == 0 { return }
                continue
            }
            step()
            publish()
        }
    }

    /// Queues a submission. A full queue (``ServingConfiguration/maximumQueued``) refuses the
    /// newest request of the tenant with the most waiting — the newcomer's own when that is its
    /// tenant — so one tenant's flood never gets another tenant's requests refused.
    private func enqueue(_ submission: Submission) {
        let tenant = submission.request.tenant
        if scheduler.waitingCount >= configuration.maximumQueued {
            guard let displaced = scheduler.displace(toMakeRoomFor: tenant) else {
                submission.continuation.finish(throwing: Self.queueFull(configuration))
                return
            }
            displaced.item.continuation.finish(throwing: Self.queueFull(configuration))
        }
        scheduler.enqueue(.init(id: submission.id, tenant: tenant, weight: submission.request.weight,
                                enqueued: submission.submitted, item: submission))
    }

    private static func queueFull(_ configuration: ServingConfiguration) -> ServingError {
        .overloaded("\(configuration.maximumQueued) requests are already waiting")
    }

    /// Blocks until there is something to do; nil when the engine has stopped and drained.
    private func waitForWork() -> ([Submission], Set<Int>, Bool)? {
        condition.lock()
        defer { condition.unlock() }
        while incoming.isEmpty && cancelled.isEmpty && active.isEmpty && scheduler.waitingCount == 0 {
            if stopping { return nil }
            _ = condition.wait(until: Date().addingTimeInterval(0.5))
        }
        let work = (incoming, cancelled, stopping)
        incoming.removeAll()
        cancelled.removeAll()
        return work
    }

    private func drop(_ id: Int) {
        if let sequence = active[id] {
            finish(sequence, with: nil)
        } else if let waiting = scheduler.remove(id: id) {
            waiting.item.continuation.finish()
        }
    }

    private func expireWaiting() {
        for waiting in scheduler.expire(enqueuedBefore: clock.now - configuration.queueTimeout) {
            waiting.item.continuation.finish(throwing: ServingError.overloaded(
                "the request waited longer than \(configuration.queueTimeout) for a free slot"))
        }
    }

    /// Admits waiting requests in fair order while slots and KV budget last (``SequenceSlots``
    /// says who may take a reserved slot).
    private func admit() {
        while true {
            let fits = kvCacheRule()
            guard let (next, slot) = slots.admitNext(from: &scheduler, where: { fits($0.tenant, $0.item.reservedBytes) }) else {
                return
            }
            let submission = next.item
            do {
                let decoder = try SequenceDecoder(prompt: submission.request.prompt, options: submission.request.options,
                                                  tokenizer: model.tokenizer, endOfGeneration: model.endOfGeneration,
                                                  tokenTable: model.tokenTable)
                cache.clear(slot)
                let sequence = ActiveSequence(
                    id: submission.id, slot: slot, request: submission.request, reservedBytes: submission.reservedBytes,
                    submitted: submission.submitted, submittedPass: submission.submittedPass, continuation: submission.continuation, decoder: decoder)
                try startFromCachedPrefix(sequence)
                reservedBytes += submission.reservedBytes
                active[submission.id] = sequence
            } catch {
                cache.clear(slot)
                slots.release(slot)
                scheduler.release(tenant: submission.request.tenant)
                submission.continuation.finish(throwing: error)
            }
        }
    }

    /// Whether a tenant's request needing `bytes` of KV cache may start now. The KV budget has a
    /// reserve, as the slots do (the regular share of it is the regular slots' share of all
    /// slots): requests start while the bytes held stay within the regular part — or the
    /// request would run alone —, and past it only for a tenant that, while other tenants have
    /// work, holds less than an even share of the budget. So one team's long requests cannot
    /// hold every byte and make another team wait for one of them to end.
    private func kvCacheRule() -> (String, Int) -> Bool {
        let total = configuration.kvCacheBudgetBytes
        let regular = total / configuration.sequenceSlots * configuration.maximumSequences
        let reserved = reservedBytes
        let tenants = scheduler.activeTenants.count
        var held: [String: Int] = [:]
        for sequence in active.values { held[sequence.request.tenant, default: 0] += sequence.reservedBytes }
        return { tenant, bytes in
            guard reserved + bytes <= total else { return false }
            if reserved + bytes <= regular || reserved == 0 { return true }
            return tenants >= 2 && held[tenant, default: 0] + bytes <= total / tenants
        }
    }

    /// Copies the states of the longest start the prompt shares with one of the tenant's cache
    /// entries into the sequence's slot. At least one prompt token is always computed, since its
    /// logits start generation.
    private func startFromCachedPrefix(_ sequence: ActiveSequence) throws {
        let prompt = sequence.request.prompt
        guard prefixCacheEnabled, prompt.count > 1,
              let (source, length) = prefixes.longestMatch(tenant: sequence.request.tenant, prompt: prompt[...],
                                                            limit: prompt.count - 1)
        else { return }
        try cache.copyPrefix(from: source, to: sequence.slot, count: length)
        sequence.promptDone = length
        sequence.cached = length
        sequence.cachedPrefix = length
    }

    private var prefixCacheEnabled: Bool {
        configuration.prefixCacheSlots > 0 && configuration.prefixCacheBudgetBytes > 0
    }

    /// Keeps a copy of a just-prefilled prompt's states for the tenant's next requests (those
    /// that arrive while this one still generates: its system prompt, its document) — when the
    /// request computed most of it. A prompt mostly taken from the cache (a conversation's next
    /// turn) adds little that its finished entry will not, and copying it all would hold up
    /// every running sequence's step for nothing.
    private func storePrompt(of sequence: ActiveSequence) {
        let prompt = sequence.request.prompt
        guard prefixCacheEnabled, sequence.promptDone == prompt.count, sequence.cachedPrefix * 2 < prompt.count,
              let reservation = prefixes.reserve(tenant: sequence.request.tenant, tokens: prompt,
                                                 bytes: prompt.count * cache.bytesPerPosition)
        else { return }
        for slot in reservation.released { cache.clear(slot) }
        do {
            try cache.copyPrefix(from: sequence.slot, to: reservation.slot, count: prompt.count, growable: false)
        } catch {
            cache.clear(reservation.slot)
            prefixes.remove(slot: reservation.slot)
        }
    }

    /// Hands a finished sequence's states — prompt and the reply tokens fed back — to the
    /// prefix cache without copying them, so the conversation's next turn, which repeats both,
    /// computes only its new words.
    private func storeFinished(_ sequence: ActiveSequence) {
        let length = min(sequence.cached, cache.length(of: sequence.slot))
        guard prefixCacheEnabled, length > 0 else { return }
        let prompt = sequence.request.prompt
        let tokens = length <= prompt.count
            ? Array(prompt[..<length]) : prompt + sequence.decoder.generated.prefix(length - prompt.count)
        guard tokens.count == length,
              let reservation = prefixes.reserve(tenant: sequence.request.tenant, tokens: tokens,
                                                 bytes: cache.heldBytes(of: sequence.slot))
        else { return }
        for slot in reservation.released { cache.clear(slot) }
        cache.exchange(sequence.slot, reservation.slot)
        cache.truncate(reservation.slot, to: length)
    }

    /// One forward pass, filled as the ``StepPlanner`` decides: a token for decoding
    /// sequences, chunks of prompts for prefilling ones.
    private func step() {
        stepNumber += 1
        let plan = planner.plan(active.values.map(\.candidate), counters: scheduler.counters, now: clock.now)
        let sequences = active.values.filter { plan[$0.id] != nil }.sorted { $0.id < $1.id }

        var batch = Batch()
        var logitOwners: [ActiveSequence] = []
        var promptTokens: [Int: Int] = [:]
        for sequence in sequences {
            let tokens = plan[sequence.id]!
            sequence.lastServed = stepNumber
            if sequence.isPrefilling {
                let prompt = sequence.request.prompt
                let end = sequence.promptDone + tokens
                for index in sequence.promptDone..<end {
                    batch.append(prompt[index], position: sequence.cached + index - sequence.promptDone,
                                 sequence: sequence.slot, wantsLogits: index == prompt.count - 1)
                }
                if end == prompt.count { logitOwners.append(sequence) }
                promptTokens[sequence.id] = tokens
            } else if let token = sequence.pendingToken {
                batch.append(token, position: sequence.cached, sequence: sequence.slot, wantsLogits: true)
                logitOwners.append(sequence)
            }
        }
        guard batch.count > 0 else { return }

        var logits: Logits
        let started = clock.now
        do {
            logits = try model.network.forward(batch, cache: cache)
        } catch {
            for sequence in sequences { finish(sequence, with: ServingError.engineFailure(String(describing: error))) }
            return
        }
        planner.stepTook(clock.now - started)
        lastBatchTokens = batch.count
        forwardPasses += 1

        for sequence in sequences {
            if let count = promptTokens[sequence.id] {
                sequence.promptDone += count
                sequence.cached += count
                if !sequence.isPrefilling { storePrompt(of: sequence) }
                scheduler.charge(tenant: sequence.request.tenant, weight: sequence.request.weight,
                                 promptTokens: count, generatedTokens: 0)
            } else if sequence.pendingToken != nil, logitOwners.contains(where: { $0 === sequence }) {
                sequence.cached += 1
            }
        }
        let tokens = sample(&logits, for: logitOwners)
        for (sequence, token) in zip(logitOwners, tokens) { accept(token, for: sequence) }
    }

    /// Rows at least this many are sampled on all cores (a temperature draw over SmolLM2's
    /// 49,152 logits takes about 0.35 ms; sixteen of them in a row would hold up every step).
    private static let parallelSamplingRows = 4

    /// The next token of each row's sequence. The sampler may rewrite its row in place; no
    /// copy of the logits is made.
    private func sample(_ logits: inout Logits, for owners: [ActiveSequence]) -> [TokenID] {
        let vocabularySize = logits.vocabularySize
        var tokens = [TokenID](repeating: 0, count: owners.count)
        logits.values.withUnsafeMutableBufferPointer { all in
            tokens.withUnsafeMutableBufferPointer { chosen in
                let job = SamplingJob(logits: all.baseAddress!, vocabularySize: vocabularySize, owners: owners,
                                      tokens: chosen.baseAddress!)
                if owners.count >= Self.parallelSamplingRows {
                    DispatchQueue.concurrentPerform(iterations: owners.count) { job.sample(row: $0) }
                } else {
                    for row in owners.indices { job.sample(row: row) }
                }
            }
        }
        return tokens
    }

    private func accept(_ token: TokenID, for sequence: ActiveSequence) {
        let step = sequence.decoder.accept(token)
        if sequence.firstTokenDelay == nil { sequence.firstTokenDelay = clock.now - sequence.submitted }
        scheduler.charge(tenant: sequence.request.tenant, weight: sequence.request.weight, promptTokens: 0, generatedTokens: 1)
        if !step.text.isEmpty { sequence.continuation.yield(.text(step.text)) }
        if let reason = step.finish {
            finish(sequence, with: nil, last: .finished(usage(of: sequence), reason))
        } else if sequence.cached + 1 >= cache.maximumPositions {
            finish(sequence, with: nil, last: .finished(usage(of: sequence), .length))
        } else {
            sequence.pendingToken = token
        }
    }

    private func usage(of sequence: ActiveSequence) -> ServingUsage {
        ServingUsage(promptTokens: sequence.request.prompt.count, completionTokens: sequence.decoder.generated.count,
                     timeToFirstToken: sequence.firstTokenDelay, cachedPromptTokens: sequence.cachedPrefix,
                     forwardPasses: forwardPasses - sequence.submittedPass)
    }

    /// Frees a sequence's slot and reservation, then ends its stream (with `last`, or an error).
    private func finish(_ sequence: ActiveSequence, with error: (any Error)?, last: ServingEvent? = nil) {
        active[sequence.id] = nil
        if error == nil { storeFinished(sequence) }
        cache.clear(sequence.slot)
        slots.release(sequence.slot)
        reservedBytes -= sequence.reservedBytes
        scheduler.release(tenant: sequence.request.tenant)
        if !scheduler.activeTenants.contains(sequence.request.tenant) {
            planner.tenantWentIdle(sequence.request.tenant, at: clock.now)
        }
        publish()
        if let last { sequence.continuation.yield(last) }
        if let error { sequence.continuation.finish(throwing: error) } else { sequence.continuation.finish() }
    }

    private func publish() {
        condition.lock()
        published.queued = scheduler.waitingCount
        published.running = active.count
        published.lastBatchTokens = lastBatchTokens
        published.reservedKVBytes = reservedBytes
        published.allocatedKVBytes = cache.allocatedBytes
        published.prefixCacheHits = prefixes.hits
        published.prefixCacheMisses = prefixes.misses
        published.forwardPasses = forwardPasses
        condition.unlock()
    }
}

/// One step's rows of logits and the sequences they belong to, handed to the sampling
/// workers: each row — its logits, its sequence's decoder, its token — is touched by exactly
/// one worker, and the engine thread waits for all of them.
private struct SamplingJob: @unchecked Sendable {
    let logits: UnsafeMutablePointer<Float>
    let vocabularySize: Int
    let owners: [ActiveSequence]
    let tokens: UnsafeMutablePointer<TokenID>

    func sample(row: Int) {
        tokens[row] = owners[row].decoder.choose(
            from: UnsafeMutableBufferPointer(start: logits + row * vocabularySize, count: vocabularySize))
    }
}

/// What the engine is doing, for metrics.
public struct ServingStatistics: Sendable, Equatable {
    public var queued = 0
    public var running = 0
    public var lastBatchTokens = 0
    public var reservedKVBytes = 0
    public var allocatedKVBytes = 0
    public var prefixCacheHits = 0
    public var prefixCacheMisses = 0
    /// Forward passes run so far: a clock that machine noise does not move.
    public var forwardPasses = 0
}
