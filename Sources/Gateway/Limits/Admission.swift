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
/// - dropped without either: treated as ``cancel()``, so no path can leak a slot.
final class Admission: Sendable {
    private let limiter: Limiter
    private let subjects: [LimitSubject]
    private let team: TeamReference
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
        limiter: Limiter, subjects: [LimitSubject], team: TeamReference, month: String, weight: Double = 1,
        now: @escaping @Sendable () -> Date
    ) {
        self.limiter = limiter
        self.weight = weight
        self.subjects = subjects
        self.team = team
        self.month = month
        self.now = now
    }

    deinit {
        cancel()
    }

    /// Charges the tokens-per-minute buckets up front with what the request may use at most:
    /// its prompt estimate plus its `max_tokens`. ``finish(_:)`` refunds the difference
    /// once the real count is known. Over the limit, the whole admission is given back and
    /// the limit thrown.
    func reserve(tokens: Int) throws(LimitExceeded) {
        if let exceeded = limiter.reserve(tokens, for: subjects, at: now()) {
            cancel()
            throw exceeded
        }
        state.withLock { $0.reservedTokens += tokens }
    }

    /// The request ran. With its usage, the reservation is settled (the difference refunded,
    /// or taken when the estimate was short) and the tokens count against the team's month;
    /// without (it failed or was cut off before the backend reported any), the reservation
    /// stands, since the backend may well have spent it.
    func finish(_ usage: Usage?) {
        guard let reserved = end() else { return }
        let tokensBack = usage.map { Double(reserved - $0.totalTokens) } ?? 0
        limiter.release(subjects, tokensBack: tokensBack, requestBack: false)
        if let usage { limiter.settle(usage.totalTokens, team: team, month: month) }
    }

    /// The request never ran: gives back its slot, its request and its reserved tokens.
    func cancel() {
        guard let reserved = end() else { return }
        limiter.release(subjects, tokensBack: Double(reserved), requestBack: true)
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
