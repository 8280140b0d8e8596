import Foundation
import Logging
import Store
import Synchronization
import Tenancy

/// Writes audit records, usage and key last-use times in small batches, off the request path.
///
/// Submitting never waits for the disk: records join an in-memory batch and one writer loop
/// (``run()``) commits each batch in one transaction — one disk sync for many requests. Under
/// load batches grow by themselves (everything that arrived during the last commit goes into
/// the next), so a busy server never queues up syncs. The audit chain keeps submission order.
///
/// Nothing is lost on a graceful stop: ``shutdown()`` ends the loop only after the last
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
    /// Key last-use times are informational: written at most this often.
    static let keyUseInterval: Duration = .seconds(1)
    /// How long the loop lets records gather after the first one arrives, so a lightly loaded
    /// server commits a handful per transaction instead of one sync per request (records
    /// are readable at most this much later; ``flush()`` does not wait for it).
    static let gatheringWindow: Duration = .milliseconds(5)
    /// How long the last commit waits for expected records (a stream cut off at shutdown
    /// submits its record moments after the server stopped).
    public static let lateRecordWait: Duration = .seconds(5)

    private let store: AtriumStore
    private let logger: Logger
    private let pending = Mutex(Pending())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    struct Pending {
        var audits: [AuditEntry] = []
        var usage: [UsageEntry] = []
        var keyUses: [APIKeyID: Date] = [:]
        var barriers: [CheckedContinuation<Void, Never>] = []
        var lastKeyUseWrite = ContinuousClock.now
        var stopping = false
        /// Records announced but not yet submitted.
        var expected = 0
    }

    public init(store: AtriumStore, logger: Logger) {
        self.store = store
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues one request's audit entry and usage; returns at once.
    public func submit(_ audit: AuditEntry, usage: UsageEntry?) {
        pending.withLock {
            $0.audits.append(audit)
            if let usage { $0.usage.append(usage) }
        }
        wake.yield()
    }

    /// Announces a record that will be submitted later (a streamed request's, when its stream
    /// ends). Pair each with ``fulfillExpectedRecord()``, after the submit.
    public func expectRecord() {
        pending.withLock { $0.expected += 1 }
    }

    public func fulfillExpectedRecord() {
        pending.withLock { $0.expected = max(0, $0.expected - 1) }
    }

    /// Notes that a key was used (its `last_used_at`); coalesced per key.
    public func noteKeyUse(_ key: APIKeyID, at date: Date) {
        pending.withLock { $0.keyUses[key] = date }
    }

    /// Returns once everything submitted before the call is committed. ``run()`` must be running.
    public func flush() async {
        await withCheckedContinuation { continuation in
            pending.withLock { $0.barriers.append(continuation) }
            wake.yield()
        }
    }

    /// The writer loop: commits batches until ``shutdown()``, then commits what is left and
    /// returns.
    public func run() async {
        for await _ in wakeups {
            if !hasBarrier { try? await Task.sleep(for: Self.gatheringWindow) }
            await writePending(final: false)
        }
        await waitForExpectedRecords()
        await writePending(final: true)
    }

    /// Commits as expected records arrive, until none is outstanding or ``lateRecordWait``
    /// has passed.
    private func waitForExpectedRecords() async {
        let deadline = ContinuousClock.now + Self.lateRecordWait
        while pending.withLock({ $0.expected > 0 }), ContinuousClock.now < deadline, !Task.isCancelled {
            await writePending(final: false)
            try? await Task.sleep(for: .milliseconds(10))
        }
        let missing = pending.withLock { $0.expected }
        if missing > 0 {
            logger.error("streamed requests still unrecorded at shutdown", metadata: ["count": "\(missing)"])
        }
    }

    private var hasBarrier: Bool { pending.withLock { !$0.barriers.isEmpty || $0.stopping } }

    /// Ends ``run()`` after a last commit. Submit nothing after this.
    public func shutdown() {
        pending.withLock { $0.stopping = true }
        wake.finish()
    }

    private func writePending(final: Bool) async {
        while true {
            let batch = takeBatch(final: final)
            if batch.isEmpty {
                for barrier in batch.barriers { barrier.resume() }
                return
            }
            await commit(batch, final: final)
            for barrier in batch.barriers { barrier.resume() }
        }
    }

    private struct Batch {
        var audits: [AuditEntry] = []
        var usage: [UsageEntry] = []
        var keyUses: [APIKeyID: Date] = [:]
        var barriers: [CheckedContinuation<Void, Never>] = []
        var isEmpty: Bool { audits.isEmpty && usage.isEmpty && keyUses.isEmpty }
    }

    /// Takes up to ``maximumBatch`` records; barriers go with the batch that empties the queue.
    private func takeBatch(final: Bool) -> Batch {
        pending.withLock { pending in
            var batch = Batch()
            let auditCount = min(pending.audits.count, Self.maximumBatch)
            batch.audits = Array(pending.audits.prefix(auditCount))
            pending.audits.removeFirst(auditCount)
            let usageCount = min(pending.usage.count, Self.maximumBatch)
            batch.usage = Array(pending.usage.prefix(usageCount))
            pending.usage.removeFirst(usageCount)
            let emptied = pending.audits.isEmpty && pending.usage.isEmpty
            if emptied {
                batch.barriers = pending.barriers
                pending.barriers = []
            }
            let now = ContinuousClock.now
            let keyUsesDue = final || !batch.barriers.isEmpty
                || pending.lastKeyUseWrite.duration(to: now) >= Self.keyUseInterval
            if emptied, keyUsesDue, !pending.keyUses.isEmpty {
                batch.keyUses = pending.keyUses
                pending.keyUses = [:]
                pending.lastKeyUseWrite = now
            }
            return batch
        }
    }

    /// Commits one batch, retrying while the database refuses (busy, disk full) — a record
    /// is only given up when the process is stopping and the database still refuses.
    private func commit(_ batch: Batch, final: Bool) async {
        await persist("audit records", count: batch.audits.count, final: final) {
            try await store.audit.append(contentsOf: batch.audits)
        }
        await persist("usage entries", count: batch.usage.count, final: final) {
            try await store.usage.record(batch.usage)
        }
        await persist("key last-use times", count: batch.keyUses.count, final: final) {
            for (key, date) in batch.keyUses { try await store.keys.recordUse(of: key, at: date) }
        }
    }

    private func persist(_ what: String, count: Int, final: Bool, _ write: () async throws -> Void) async {
        guard count > 0 else { return }
        var attempt = 0
        while true {
            do {
                return try await write()
            } catch {
                attempt += 1
                logger.error("writing \(what) failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                if (final || Task.isCancelled) && attempt >= 5 {
                    logger.critical("\(what) lost at shutdown", metadata: ["count": "\(count)"])
                    return
                }
                try? await Task.sleep(for: .milliseconds(min(1000, 50 * attempt)))
            }
        }
    }
}
