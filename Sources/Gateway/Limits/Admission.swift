import Foundation
import Synchronization
import Tenancy

/// One request let through the limit stage: it holds a running slot of its team and key,
/// and the tokens it reserved, until it ends.
///
/// Exactly one of three endings applies, the first one called (later calls do nothing):
/// - ``finish(_:)``: the request ran; its slot is freed and its reservation settled
///   against the tokens it really used.
/// - ``cancel()``: it was refused or failed before generation started; everything it took
///   is given back, as if it had never come ("nothing half-done").
/// - dropped without either: treated as ``cancel()`` (in a task of its own), so no path can
///   leak a slot.
final class Admission: Sendable {
    private let counters: any LimitCounters
    private let subjects: [LimitSubject]
    private let scope: TenantScope
    /// The request's own id in the counters (its leases, where they are shared).
    private let lease: String
    private let month: String
    private let now: @Sendable () -> Date
    /// The team's share weight (its limits'), which the backends' fair schedulers divide by.
    let weight: Double
    private let state = Mutex(Progress())

    private struct Progress {
        var reservedTokens = 0
        var ended = false
    }

    init(
        counters: any LimitCounters, subjects: [LimitSubject], scope: TenantScope, lease: String, month: String,
        weight: Double = 1, now: @escaping @Sendable () -> Date
    ) {
        self.counters = counters
        self.lease = lease
        self.weight = weight
        self.subjects = subjects
        self.scope = scope
        self.month = month
        self.now = now
    }

    deinit {
        guard let reserved = end() else { return }
        let (counters, subjects, scope, lease, month) = (counters, subjects, scope, lease, month)
        Task {
            await counters.release(
                subjects, scope: scope, lease: lease, tokensBack: Double(reserved), requestBack: true, month: month,
                usedTokens: 0)
        }
    }

    /// Charges the tokens-per-minute buckets up front with what the request may use at most:
    /// its prompt estimate plus its `max_tokens`. ``finish(_:)`` refunds the difference
    /// once the real count is known. Over the limit, the whole admission is given back and
    /// the limit thrown.
    func reserve(tokens: Int) async throws {
        let exceeded: LimitExceeded?
        do {
            exceeded = try await counters.reserve(tokens, for: subjects, scope: scope, at: now())
        } catch {
            await cancel()
            throw error
        }
        if let exceeded {
            await cancel()
            throw exceeded
        }
        state.withLock { $0.reservedTokens += tokens }
    }

    /// The request ran. With its usage, the reservation is settled (the difference refunded,
    /// or taken when the estimate was short) and the tokens count against the team's month;
    /// without (it failed or was cut off before the backend reported any), the reservation
    /// stands, since the backend may well have spent it. A stream cut short is charged what it
    /// is known to have used (`usage`) for the month, and its reservation stands too
    /// (`cutShort`): what the engine spent past the last relayed piece is not known.
    func finish(_ usage: Usage?, cutShort: Bool = false) async {
        guard let reserved = end() else { return }
        let tokensBack = cutShort ? 0 : usage.map { Double(reserved - $0.totalTokens) } ?? 0
        await counters.release(
            subjects, scope: scope, lease: lease, tokensBack: tokensBack, requestBack: false, month: month,
            usedTokens: max(0, usage?.totalTokens ?? 0))
    }

    /// The request never ran: gives back its slot, its request and its reserved tokens.
    func cancel() async {
        guard let reserved = end() else { return }
        await counters.release(
            subjects, scope: scope, lease: lease, tokensBack: Double(reserved), requestBack: true, month: month,
            usedTokens: 0)
    }

    /// Marks the admission ended; the reserved tokens, or `nil` if it had already ended.
    private func end() -> Int? {
        state.withLock { progress in
            guard !progress.ended else { return nil }
            progress.ended = true
            return progress.reservedTokens
        }
    }
}
