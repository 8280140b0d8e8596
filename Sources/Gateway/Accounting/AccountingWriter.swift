import Foundation
import Logging
import Store
import Synchronization
import Tenancy

#if canImport(Glibc)
import Glibc
#endif

/// Writes audit records, usage, key last-use times and budget settlements in small batches,
/// off the request path, and renews the budget holds of the requests still running.
///
/// Submitting never waits for the disk: records join an in-memory batch and one writer thread
/// commits each batch in one transaction — one commit for many requests. Under load batches
/// grow by themselves (everything that arrived during the last commit goes into the next), so
/// a busy server never queues up commits. The audit chain keeps submission order.
///
/// The writer is a thread of its own at a lower priority (``threadNiceness``): bookkeeping
/// is background work, and on a small machine a commit running at the requests' priority
/// takes a core from them — measured, it tripled the gateway's p99 latency. The kernel
/// still gives the writer its share when the machine is saturated, so it keeps up.
///
/// A ``flush(waitingAtMost:)`` with a limit is given up by one watchdog for the whole writer,
/// which looks at the waiters four times a second, rather than by a timer task per waiter:
/// every answer waits for its record, and a task per request (created, scheduled on the
/// global executor, cancelled) kept libdispatch's threads at 5 % of the gateway's CPU under
/// short requests.
///
/// Running requests' budget holds (``holdBegan(_:)``) are renewed every ``holdRenewal`` in
/// the next commit (the watchdog wakes the writer for it), so that they outlive no request:
/// a replica that dies mid-request leaves holds that expire within
/// ``BudgetRepository/holdLifetime``, and other replicas reclaim them.
///
/// Nothing is lost on a graceful stop: ``shutdown()`` ends the writer only after the last
/// batch is committed, and the server stops accepting requests before it calls it. Records
/// announced with ``expectRecord()`` (streams still ending) are waited for, up to
/// ``lateRecordWait``, before that last commit. A failed commit is retried with the same batch.
///
/// ```swift
/// let writer = AccountingWriter(store: store, logger: logger)
/// async let loop: Void = writer.run()
/// writer.submit(entry, usage: nil)
/// await writer.flush()          // tests: wait until written
/// writer.shutdown(); await loop
/// ```
public final class AccountingWriter: Sendable {
    /// Records per transaction at most, so one commit never holds the database for long.
    public static let maximumBatch = 512
    /// Key last-use times are informational: written at most this often (a flush does not
    /// force them; the watchdog wakes the writer for them when nothing else does).
    static let keyUseInterval: Duration = .seconds(1)
    /// How often the watchdog gives up waiters past their limit and wakes the writer for due
    /// key last-use times: a limited flush returns at most this much after its limit.
    static let watchdogPeriod: Duration = .milliseconds(250)
    /// How long the writer lets records gather after the first one arrives (by default), so a
    /// lightly loaded server commits a handful per transaction instead of one per request
    /// (records are readable at most this much later). A ``flush()`` — a client waiting for
    /// its record — cuts the window short: it never waits for it.
    public static let defaultGatheringWindow: Duration = .milliseconds(5)
    /// How long the last commit waits for expected records (a stream cut off at shutdown
    /// submits its record moments after the server stopped).
    public static let lateRecordWait: Duration = .seconds(5)
    /// The writer thread's nice value (Linux; requests run at 0).
    static let threadNiceness: Int32 = 5
    /// How long commits must have been failing before the writer counts as failing
    /// (``isFailing``): a busy database that refuses one commit and takes the retry is not.
    public static let failingAfter: Duration = .seconds(1)

    private let store: AtriumStore
    private let logger: Logger
    private let gatheringWindow: Duration
    private let holdRenewal: Duration
    private let pending = Mutex(Pending())
    private let wakeup = DispatchSemaphore(value: 0)
    /// Signalled by a ``flush()`` or ``shutdown()`` while the writer lets records gather.
    private let barrierArrived = DispatchSemaphore(value: 0)

    struct Pending {
        var audits: [AuditEntry] = []
        var usage: [UsageEntry] = []
        var budgets: [BudgetSettlement] = []
        var keyUses: [APIKeyID: Date] = [:]
        var barriers: [Waiter] = []
        /// The barriers of the batch being committed (the watchdog may give them up).
        var committing: [Waiter] = []
        var lastKeyUseWrite = ContinuousClock.now
        /// The hold ids of requests still running, renewed together.
        var liveHolds: Set<String> = []
        var lastHoldRenewal = ContinuousClock.now
        /// A wake-up is signalled and not yet taken: further submissions need not signal.
        var wakeupSignalled = false
        /// The writer is letting records gather; the first barrier (or the shutdown) to arrive
        /// takes this and signals ``barrierArrived``, so the commit starts at once.
        var gathering = false
        var stopping = false
        /// Records announced but not yet submitted.
        var expected = 0
        /// The writer made its last commit: a later ``flush()`` has nothing to wait for.
        var finished = false
        /// When the commit being retried first failed (nil: the last commit succeeded).
        var failingSince: ContinuousClock.Instant?
    }

    /// - Parameter holdRenewal: how often running requests' budget holds are renewed (tests
    ///   shorten it).
    public init(
        store: AtriumStore, logger: Logger, gatheringWindow: Duration = defaultGatheringWindow,
        holdRenewal: Duration = .seconds(BudgetRepository.holdRenewal)
    ) {
        self.store = store
        self.logger = logger
        self.gatheringWindow = gatheringWindow
        self.holdRenewal = holdRenewal
    }

    /// Queues one request's audit entry, usage and budget settlements; returns at once.
    public func submit(_ audit: AuditEntry, usage: UsageEntry?, budgets: [BudgetSettlement] = []) {
        let signal = pending.withLock {
            $0.audits.append(audit)
            if let usage { $0.usage.append(usage) }
            $0.budgets += budgets.filter { !$0.reservation.isEmpty }
            return Self.claimWakeup(&$0)
        }
        if signal { wakeup.signal() }
    }

    /// Queues the end of a request's budget reservation (settled or released); it commits in
    /// the batch that carries the request's usage, or an earlier one. Until then the
    /// reservation holds the worst case, so a budget is never overspent in between.
    public func settle(_ settlement: BudgetSettlement) {
        guard !settlement.reservation.isEmpty else { return }
        let signal = pending.withLock {
            $0.budgets.append(settlement)
            return Self.claimWakeup(&$0)
        }
        if signal { wakeup.signal() }
    }

    /// Renews `reservation`'s holds every ``holdRenewal`` until ``holdEnded(_:)``.
    public func holdBegan(_ reservation: BudgetReservation) {
        guard !reservation.isEmpty else { return }
        pending.withLock { _ = $0.liveHolds.insert(reservation.holdID) }
    }

    /// Stops renewing `reservation`'s holds (its settlement is queued, or it is released).
    public func holdEnded(_ reservation: BudgetReservation) {
        guard !reservation.isEmpty else { return }
        pending.withLock { _ = $0.liveHolds.remove(reservation.holdID) }
    }

    /// Announces a record that will be submitted later (a streamed request's, when its stream
    /// ends). Pair each with ``fulfillExpectedRecord()``, after the submit.
    public func expectRecord() {
        pending.withLock { $0.expected += 1 }
    }

    public func fulfillExpectedRecord() {
        pending.withLock { $0.expected -= 1 }
    }

    /// Notes that a key was used (its `last_used_at`); coalesced per key.
    public func noteKeyUse(_ key: APIKeyID, at date: Date) {
        pending.withLock { $0.keyUses[key] = date }
    }

    /// Whether commits have been failing for ``failingAfter`` or longer (the database is
    /// down, full or refusing): records stay queued and are retried, but an answer now would
    /// go out unrecorded.
    public var isFailing: Bool {
        pending.withLock { pending in
            pending.failingSince.map { $0.duration(to: .now) >= Self.failingAfter } ?? false
        }
    }

    /// Returns once everything submitted before the call is committed (at once after the
    /// writer's last commit, which took everything submitted before it), or once `limit` has
    /// passed (the database is down: the records stay queued and commit when it returns).
    /// ``run()`` must have been started.
    /// - Returns: true when committed, false when `limit` passed first.
    @discardableResult
    public func flush(waitingAtMost limit: Duration? = nil) async -> Bool {
        await withCheckedContinuation { continuation in
            let waiter = Waiter(continuation, deadline: limit.map { ContinuousClock.now + $0 })
            let (signal, cutGathering, done) = pending.withLock {
                if $0.finished { return (false, false, true) }
                $0.barriers.append(waiter)
                return (Self.claimWakeup(&$0), Self.claimGathering(&$0), false)
            }
            if done { waiter.resume(committed: true) }
            if signal { wakeup.signal() }
            if cutGathering { barrierArrived.signal() }
        }
    }

    /// The writer: commits batches on its own thread until ``shutdown()``, then commits what
    /// is left and returns.
    public func run() async {
        let watchdog = Task { await watch() }
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                Thread.current.name = "atrium-account"
                lowerThreadPriority()
                writeUntilStopped()
                finished.resume()
            }
            thread.start()
        }
        watchdog.cancel()
        await watchdog.value
    }

    /// Gives up waiters past their limit (the database is down, or a commit hangs) and wakes
    /// the writer when key last-use times or hold renewals are due and nothing else would,
    /// until cancelled.
    private func watch() async {
        while (try? await Task.sleep(for: Self.watchdogPeriod)) != nil {
            let now = ContinuousClock.now
            let (overdue, signal) = pending.withLock { pending in
                let overdue = (pending.barriers + pending.committing).filter { $0.isOverdue(at: now) }
                let keyUsesDue = !pending.keyUses.isEmpty
                    && pending.lastKeyUseWrite.duration(to: now) >= Self.keyUseInterval
                return (overdue, (keyUsesDue || renewalDue(pending, at: now)) && Self.claimWakeup(&pending))
            }
            for waiter in overdue { waiter.resume(committed: false) }
            if signal { wakeup.signal() }
        }
    }

    /// Ends ``run()`` after a last commit. Submit nothing after this.
    public func shutdown() {
        let cutGathering = pending.withLock {
            $0.stopping = true
            return Self.claimGathering(&$0)
        }
        wakeup.signal()
        if cutGathering { barrierArrived.signal() }
    }

    private func renewalDue(_ pending: Pending, at now: ContinuousClock.Instant) -> Bool {
        !pending.liveHolds.isEmpty && pending.lastHoldRenewal.duration(to: now) >= holdRenewal
    }

    private static func claimWakeup(_ pending: inout Pending) -> Bool {
        guard !pending.wakeupSignalled else { return false }
        pending.wakeupSignalled = true
        return true
    }

    /// Whether the caller ends the writer's gathering window (and must signal
    /// ``barrierArrived``): the first to ask while it lasts.
    private static func claimGathering(_ pending: inout Pending) -> Bool {
        defer { pending.gathering = false }
        return pending.gathering
    }

    private func writeUntilStopped() {
        while true {
            wakeup.wait()
            let (stopping, gathers) = pending.withLock { pending in
                pending.gathering = !pending.stopping && pending.barriers.isEmpty
                return (pending.stopping, pending.gathering)
            }
            if stopping { break }
            if gathers { gather() }
            writePending(final: false)
        }
        waitForExpectedRecords()
        writePending(final: true)
        let waiting = pending.withLock { pending in
            pending.finished = true
            defer { pending.barriers = [] }
            return pending.barriers
        }
        for barrier in waiting { barrier.resume(committed: true) }
    }

    /// Waits ``gatheringWindow``, or less if a barrier (or the shutdown) arrives meanwhile.
    private func gather() {
        let window = DispatchTime.now() + Self.seconds(gatheringWindow)
        let timedOut = barrierArrived.wait(timeout: window) == .timedOut
        let signalled = pending.withLock { pending in
            defer { pending.gathering = false }
            return !pending.gathering
        }
        // A flush took the window just as it ended: take its signal, or the next window
        // would end at once.
        if timedOut && signalled { barrierArrived.wait() }
    }

    /// Commits as expected records arrive, until none is outstanding or ``lateRecordWait``
    /// has passed.
    private func waitForExpectedRecords() {
        let deadline = ContinuousClock.now + Self.lateRecordWait
        while pending.withLock({ $0.expected > 0 }), ContinuousClock.now < deadline {
            writePending(final: false)
            Thread.sleep(forTimeInterval: 0.01)
        }
        let missing = pending.withLock { $0.expected }
        if missing > 0 {
            logger.error("streamed requests still unrecorded at shutdown", metadata: ["count": "\(missing)"])
        }
    }

    private func writePending(final: Bool) {
        while true {
            let batch = takeBatch(final: final)
            if !batch.isEmpty { commit(batch, final: final) }
            if !batch.barriers.isEmpty { pending.withLock { $0.committing = [] } }
            for barrier in batch.barriers { barrier.resume(committed: true) }
            if batch.emptiedQueue { return }
        }
    }

    private struct Batch {
        var audits: [AuditEntry] = []
        var usage: [UsageEntry] = []
        var budgets: [BudgetSettlement] = []
        var keyUses: [APIKeyID: Date] = [:]
        var renewingHolds: [String] = []
        var barriers: [Waiter] = []
        var emptiedQueue = false
        var isEmpty: Bool {
            audits.isEmpty && usage.isEmpty && keyUses.isEmpty && budgets.isEmpty && renewingHolds.isEmpty
        }
    }

    /// Takes up to ``maximumBatch`` records; barriers go with the batch that empties the queue.
    private func takeBatch(final: Bool) -> Batch {
        pending.withLock { pending in
            pending.wakeupSignalled = false
            var batch = Batch()
            let auditCount = min(pending.audits.count, Self.maximumBatch)
            batch.audits = Array(pending.audits.prefix(auditCount))
            pending.audits.removeFirst(auditCount)
            let usageCount = min(pending.usage.count, Self.maximumBatch)
            batch.usage = Array(pending.usage.prefix(usageCount))
            pending.usage.removeFirst(usageCount)
            let budgetCount = min(pending.budgets.count, Self.maximumBatch)
            batch.budgets = Array(pending.budgets.prefix(budgetCount))
            pending.budgets.removeFirst(budgetCount)
            batch.emptiedQueue = pending.audits.isEmpty && pending.usage.isEmpty && pending.budgets.isEmpty
            if batch.emptiedQueue {
                batch.barriers = pending.barriers
                pending.committing = pending.barriers
                pending.barriers = []
            }
            let now = ContinuousClock.now
            let keyUsesDue = final || pending.lastKeyUseWrite.duration(to: now) >= Self.keyUseInterval
            if batch.emptiedQueue, keyUsesDue, !pending.keyUses.isEmpty {
                batch.keyUses = pending.keyUses
                pending.keyUses = [:]
                pending.lastKeyUseWrite = now
            }
            // Not held back by a long queue (as key uses are): holds must outlive their requests.
            if !final, renewalDue(pending, at: now) {
                batch.renewingHolds = Array(pending.liveHolds)
                pending.lastHoldRenewal = now
            }
            return batch
        }
    }

    /// Commits one batch, retrying while the database refuses (busy, disk full) — a record
    /// is only given up when the process is stopping and the database still refuses.
    private func commit(_ batch: Batch, final: Bool) {
        var attempt = 0
        // Tries that failed once the process was stopping: this batch's last few (one that
        // was retrying when the shutdown came too), so a dead database cannot hold the
        // process up forever.
        var attemptsStopping = 0
        while true {
            do {
                try store.commitAccounting(
                    audits: batch.audits, usage: batch.usage, keyUses: batch.keyUses, budgets: batch.budgets,
                    renewingHolds: batch.renewingHolds)
                if attempt > 0 {
                    pending.withLock { $0.failingSince = nil }
                    logger.notice("writing accounting recovered", metadata: ["attempts": "\(attempt + 1)"])
                }
                return
            } catch {
                if attempt == 0 { pending.withLock { $0.failingSince = $0.failingSince ?? .now } }
                attempt += 1
                logger.error(
                    "writing accounting failed",
                    metadata: ["error": .string(StoreError.diagnosis(of: error)), "attempt": "\(attempt)"])
                if final || pending.withLock({ $0.stopping }) { attemptsStopping += 1 }
                if attemptsStopping >= 5 {
                    logger.critical(
                        "accounting lost at shutdown",
                        metadata: ["audit.count": "\(batch.audits.count)", "usage.count": "\(batch.usage.count)"])
                    return
                }
                Thread.sleep(forTimeInterval: Double(min(1000, 50 * attempt)) / 1000)
            }
        }
    }

    /// Lowers this thread's scheduling priority. On Linux the nice value belongs to the
    /// thread, and `who` 0 names the calling thread.
    private func lowerThreadPriority() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.threadNiceness)
        #endif
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// One caller of ``AccountingWriter/flush(waitingAtMost:)``: resumed exactly once, by the
/// commit that covers it or by the watchdog once past its deadline, whichever comes first.
final class Waiter: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>
    private let deadline: ContinuousClock.Instant?

    init(_ continuation: CheckedContinuation<Bool, Never>, deadline: ContinuousClock.Instant? = nil) {
        self.continuation = Mutex(continuation)
        self.deadline = deadline
    }

    func isOverdue(at now: ContinuousClock.Instant) -> Bool {
        deadline.map { $0 <= now } ?? false
    }

    /// - Parameter committed: whether the records it waited for are committed.
    func resume(committed: Bool) {
        continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }?.resume(returning: committed)
    }
}
