import Serving
import Synchronization

/// The gateway's tenant-fair admission in front of a backend that has a fixed number of
/// request slots (a GPU engine's `--parallel` or `max_num_seqs`): at most
/// ``SchedulingConfiguration/concurrency`` requests are in flight; the rest wait in per-team
/// queues and are let in by virtual token counter — the same ``FairScheduler`` and
/// ``SequenceSlots`` the embedded engine admits with, so both read team weights the same way.
///
/// - A team's counter grows with the tokens it is actually served (prompt estimate when it
///   starts, then each generated token as it streams), divided by its weight: a team that
///   floods pays for it, and the team with the lowest counter goes next.
/// - Part of the budget is a reserve that only a team running fewer than its fair share may
///   take while several teams have work, so a team holding every regular slot cannot make
///   another team's request wait for one of its requests to end.
/// - A request waits at most ``SchedulingConfiguration/queueTimeout``, and at most
///   ``SchedulingConfiguration/maximumQueued`` wait at once; beyond either it is refused as
///   ``BackendError/busy(_:)`` (503 with `Retry-After`).
/// - The budget follows the backend's health: in front of a pool it is the sum over the
///   upstreams that are up (``scale(toHealthy:of:)``), shrinking while one is ejected and
///   growing back on its return; the reserve shrinks and grows with it.
/// - A waiter whose task is cancelled (its client hung up) leaves the queue at once; a
///   ``Ticket`` given back frees its slot for the next waiter at once.
///
/// ```swift
/// let ticket = try await admission.admit(tenant: "org/team", weight: 1, promptTokens: 40)
/// defer { ticket.release() }
/// for try await event in backend.generate(request) { ticket.charge(generatedTokens: 1) … }
/// ```
public final class FairAdmission: Sendable {
    public let configuration: SchedulingConfiguration
    private let state: Mutex<State>

    private enum EarlyEnd {
        case cancelled, timedOut, displaced
    }

    private struct State {
        var scheduler = FairScheduler<Int>()  // item: the request's prompt tokens
        var slots: SequenceSlots
        var nextID = 0
        /// Waiters parked on their continuation, by id.
        var parked: [Int: CheckedContinuation<Int, any Error>] = [:]
        /// Waiters that were cancelled or timed out before they parked, and how.
        var endedEarly: [Int: EarlyEnd] = [:]
        var inFlight = 0
        var admitted = 0
        var refused = 0
    }

    public init(configuration: SchedulingConfiguration) {
        self.configuration = configuration
        state = Mutex(State(slots: SequenceSlots(
            regular: configuration.concurrency - configuration.reserved, reserved: configuration.reserved)))
    }

    /// What the admission is doing, for metrics and `/readyz`.
    public struct Statistics: Sendable, Hashable {
        /// Requests that may be in flight now (the budget, less while an upstream is down).
        public var capacity: Int
        public var inFlight: Int
        public var queued: Int
        /// Requests let in since start.
        public var admitted: Int
        /// Requests refused since start (queue full or queue timeout).
        public var refused: Int
    }

    public var statistics: Statistics {
        state.withLock {
            Statistics(
                capacity: $0.slots.capacity, inFlight: $0.inFlight, queued: $0.scheduler.waitingCount,
                admitted: $0.admitted, refused: $0.refused)
        }
    }

    /// Scales the in-flight budget to `healthy` of `members` equal upstreams: the pool's
    /// capacity is the sum over its healthy upstreams, so while one is ejected fewer requests
    /// are let in (the rest wait their turn in the fair order instead of piling onto the
    /// others), and as many as before once it returns. With none healthy, one upstream's share
    /// stays open, so requests still reach the pool — which tries them all (a health check may
    /// lag) and answers 503 at once when none is up. Requests already in flight keep their slots.
    public func scale(toHealthy healthy: Int, of members: Int) {
        guard members > 0 else { return }
        let share = min(max(healthy, 1), members)
        let reserved = configuration.reserved
        let regular = configuration.concurrency - reserved
        // Rounded up, so a pool's budget never scales to nothing.
        func scaled(_ slots: Int) -> Int { (slots * share + members - 1) / members }
        state.withLock { $0.slots.limit(regular: scaled(regular), reserved: scaled(reserved)) }
        dispatch()
    }

    /// Each team's virtual token counter (tokens served divided by its weight), for tests.
    var counters: [String: Double] { state.withLock { $0.scheduler.counters } }

    /// Waits for a slot in the fair order and returns it as a ticket, which must be given
    /// back (``Ticket/release()``; a dropped ticket gives itself back).
    /// - Throws: ``BackendError/busy(_:)`` when the queue is full or the wait outlasted the
    ///   queue timeout; `CancellationError` when the calling task was cancelled while waiting.
    public func admit(tenant: String, weight: Double, promptTokens: Int) async throws -> Ticket {
        let (id, immediate, displaced) = try state.withLock { state -> (Int, Int?, CheckedContinuation<Int, any Error>?) in
            // A full queue takes one more only in place of the newest request of a tenant with
            // more waiting (a free slot does not let one in past the limit: another tenant's
            // reserve may be what is free).
            var displaced: CheckedContinuation<Int, any Error>?
            let waiting = state.scheduler.waitingCount
            if !(waiting == 0 && state.slots.hasFreeSlot), waiting >= configuration.maximumQueued {
                state.refused += 1
                guard let victim = state.scheduler.displace(toMakeRoomFor: tenant) else { throw queueFull }
                displaced = state.parked.removeValue(forKey: victim.id)
                if displaced == nil { state.endedEarly[victim.id] = .displaced }
            }
            let id = state.nextID
            state.nextID += 1
            state.scheduler.enqueue(.init(id: id, tenant: tenant, weight: weight, enqueued: .now, item: promptTokens))
            // Nobody else waiting and a slot it may take: in at once, without parking.
            guard state.scheduler.waitingCount == 1,
                let (next, slot) = state.slots.admitNext(from: &state.scheduler, where: { $0.id == id })
            else { return (id, nil, displaced) }
            Self.start(next, in: &state)
            return (id, slot, displaced)
        }
        displaced?.resume(throwing: queueFull)
        if let immediate { return Ticket(admission: self, tenant: tenant, weight: weight, slot: immediate) }
        let timeout = configuration.queueTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.expire(id)
        }
        defer { timer.cancel() }
        let slot = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                park(id, continuation)
            }
        } onCancel: {
            leave(id)
        }
        return Ticket(admission: self, tenant: tenant, weight: weight, slot: slot)
    }

    private func park(_ id: Int, _ continuation: CheckedContinuation<Int, any Error>) {
        let early = state.withLock { state -> EarlyEnd? in
            if let early = state.endedEarly.removeValue(forKey: id) { return early }
            state.parked[id] = continuation
            return nil
        }
        switch early {
        case .cancelled: continuation.resume(throwing: CancellationError())
        case .timedOut: continuation.resume(throwing: timedOut)
        case .displaced: continuation.resume(throwing: queueFull)
        case nil: dispatch()
        }
    }

    /// A waiter's task was cancelled: out of the queue at once.
    private func leave(_ id: Int) {
        let continuation = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            guard state.scheduler.remove(id: id) != nil else { return nil }
            guard let continuation = state.parked.removeValue(forKey: id) else {
                state.endedEarly[id] = .cancelled
                return nil
            }
            return continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    /// A waiter outlasted the queue timeout (if it is still waiting).
    private func expire(_ id: Int) {
        let continuation = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            guard state.scheduler.remove(id: id) != nil else { return nil }
            state.refused += 1
            guard let continuation = state.parked.removeValue(forKey: id) else {
                state.endedEarly[id] = .timedOut
                return nil
            }
            return continuation
        }
        continuation?.resume(throwing: timedOut)
    }

    private var queueFull: BackendError {
        .busy("\(configuration.maximumQueued) requests are already waiting for the model backend")
    }

    private var timedOut: BackendError {
        .busy("the request waited longer than \(configuration.queueTimeout) for a free slot of the model backend")
    }

    /// Lets in every parked waiter that may take a free slot, in the fair order.
    private func dispatch() {
        let ready = state.withLock { state -> [(CheckedContinuation<Int, any Error>, Int)] in
            var ready: [(CheckedContinuation<Int, any Error>, Int)] = []
            // Only parked waiters: one still on its way to park is let in when it parks.
            let parked = Set(state.parked.keys)
            while let (next, slot) = state.slots.admitNext(from: &state.scheduler, where: { parked.contains($0.id) }) {
                Self.start(next, in: &state)
                ready.append((state.parked.removeValue(forKey: next.id)!, slot))
            }
            return ready
        }
        for (continuation, slot) in ready { continuation.resume(returning: slot) }
    }

    /// Service starts now: the prompt is charged (a queued request has cost nothing yet).
    private static func start(_ waiting: FairScheduler<Int>.Waiting, in state: inout State) {
        state.scheduler.charge(tenant: waiting.tenant, weight: waiting.weight, promptTokens: waiting.item, generatedTokens: 0)
        state.inFlight += 1
        state.admitted += 1
    }

    fileprivate func charge(tenant: String, weight: Double, generatedTokens: Int) {
        state.withLock {
            $0.scheduler.charge(tenant: tenant, weight: weight, promptTokens: 0, generatedTokens: generatedTokens)
        }
    }

    fileprivate func release(tenant: String, slot: Int) {
        state.withLock {
            $0.slots.release(slot)
            $0.scheduler.release(tenant: tenant)
            $0.inFlight -= 1
        }
        dispatch()
    }

    /// One admitted request's slot: charge it the tokens it is served, give it back when the
    /// request ends (or when the ticket is dropped, so no path can leak a slot).
    public final class Ticket: Sendable {
        private let admission: FairAdmission
        let tenant: String
        let weight: Double
        /// The slot index: below the regular count a regular slot, above it the reserve.
        public let slot: Int
        private let progress = Mutex((generated: 0, released: false))

        fileprivate init(admission: FairAdmission, tenant: String, weight: Double, slot: Int) {
            self.admission = admission
            self.tenant = tenant
            self.weight = weight
            self.slot = slot
        }

        deinit {
            release()
        }

        /// Whether the request holds a reserved slot (one only a team below its fair share may take).
        public var isReserved: Bool { slot >= admission.configuration.concurrency - admission.configuration.reserved }

        /// Charges tokens generated so far (an upstream streams about one per chunk).
        public func charge(generatedTokens: Int) {
            guard generatedTokens > 0 else { return }
            progress.withLock { $0.generated += generatedTokens }
            admission.charge(tenant: tenant, weight: weight, generatedTokens: generatedTokens)
        }

        /// Charges what the backend's final usage counts beyond the tokens already charged.
        public func settle(completionTokens: Int) {
            let missing = progress.withLock { progress -> Int in
                let missing = max(0, completionTokens - progress.generated)
                progress.generated += missing
                return missing
            }
            if missing > 0 { admission.charge(tenant: tenant, weight: weight, generatedTokens: missing) }
        }

        /// Gives the slot back (once; later calls do nothing).
        public func release() {
            let first = progress.withLock { progress -> Bool in
                defer { progress.released = true }
                return !progress.released
            }
            if first { admission.release(tenant: tenant, slot: slot) }
        }
    }
}
