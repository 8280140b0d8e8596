import Foundation
import Store
import Synchronization
import Tenancy

/// The counters behind the limit stage in this process's memory (the embedded store: one
/// process): per team and per key a requests bucket, a tokens bucket and the number of
/// requests running; per team the tokens used this month.
///
/// Every check-and-take happens under one lock, so two requests racing for the last slot
/// never both get it, and a request over any one limit takes nothing from the others.
final class Limiter: Sendable {
    /// Above this many counters, idle ones (full buckets, nothing running) are forgotten.
    static let pruningThreshold = 10_000

    struct Counters: Sendable {
        var requests: TokenBucket?
        var tokens: TokenBucket?
        var running = 0

        var isIdle: Bool { running == 0 && (requests?.isFull ?? true) && (tokens?.isFull ?? true) }
    }

    /// A team's tokens in one calendar month (UTC): what the ledger held when first needed,
    /// plus every request that finished since.
    struct MonthTally: Sendable {
        let month: String
        var tokens: Int
    }

    private struct State {
        var counters: [LimitSubject.Owner: Counters] = [:]
        var months: [TeamReference: MonthTally] = [:]
    }

    private let state = Mutex(State())
    /// Where a team's month starts from (``LimitCounters``); `nil`: from zero.
    let ledger: UsageLedger?

    init(ledger: UsageLedger? = nil) {
        self.ledger = ledger
    }

    // MARK: Monthly budget

    /// The team's tokens in `month`, or `nil` when they have not been loaded yet.
    func monthlyTokens(of team: TeamReference, month: String) -> Int? {
        state.withLock { state in
            guard let tally = state.months[team], tally.month == month else { return nil }
            return tally.tokens
        }
    }

    /// Starts the team's tally for `month` from the ledger's figure, unless a concurrent
    /// request already did (its tally may already count requests that finished since).
    func installMonth(_ month: String, tokens: Int, for team: TeamReference) {
        state.withLock { state in
            if let tally = state.months[team], tally.month == month { return }
            state.months[team] = MonthTally(month: month, tokens: tokens)
        }
    }

    // MARK: Admission

    /// Admits one request if every subject has a request left this minute and room to run
    /// one more, and the team's month is not used up; then takes the request and the slot.
    /// Otherwise takes nothing and returns the limit that frees up last.
    func admit(_ subjects: [LimitSubject], team: TeamReference, month: String, monthlyBudget: Int?, at date: Date)
        -> LimitExceeded?
    {
        let now = date.timeIntervalSince1970
        return state.withLock { state in
            var refusals: [LimitExceeded] = []
            if let budget = monthlyBudget, let tally = state.months[team], tally.month == month, tally.tokens >= budget {
                refusals.append(.monthlyBudget(budget, at: date))
            }
            for subject in subjects {
                let counters = Self.refreshed(state.counters[subject.owner] ?? Counters(), for: subject, now: now)
                state.counters[subject.owner] = counters
                if let limit = subject.maxConcurrent, counters.running >= limit {
                    refusals.append(.concurrency(subject, limit: limit))
                }
                if let bucket = counters.requests, let limit = subject.requestsPerMinute, !bucket.admits(1) {
                    refusals.append(.requestRate(subject, limit: limit, wait: bucket.secondsUntilAdmits(1)))
                }
            }
            if let refusal = LimitExceeded.latest(refusals) { return refusal }
            for subject in subjects {
                state.counters[subject.owner]?.requests?.take(1)
                state.counters[subject.owner]?.running += 1
            }
            Self.pruneIfLarge(&state)
            return nil
        }
    }

    /// Takes `tokens` from every subject's tokens-per-minute bucket, or nothing and returns
    /// the limit that frees up last.
    func reserve(_ tokens: Int, for subjects: [LimitSubject], at date: Date) -> LimitExceeded? {
        let now = date.timeIntervalSince1970
        let amount = Double(tokens)
        return state.withLock { state in
            var refusals: [LimitExceeded] = []
            for subject in subjects {
                let counters = Self.refreshed(state.counters[subject.owner] ?? Counters(), for: subject, now: now)
                state.counters[subject.owner] = counters
                if let bucket = counters.tokens, let limit = subject.tokensPerMinute, !bucket.admits(amount) {
                    refusals.append(
                        .tokenRate(subject, limit: limit, tokens: tokens, wait: bucket.secondsUntilAdmits(amount)))
                }
            }
            if let refusal = LimitExceeded.latest(refusals) { return refusal }
            for subject in subjects { state.counters[subject.owner]?.tokens?.take(amount) }
            return nil
        }
    }

    /// Ends a request: frees its slot, gives back `tokensBack` (negative: takes more) and,
    /// for a request that never ran, its request.
    func release(_ subjects: [LimitSubject], tokensBack: Double, requestBack: Bool) {
        state.withLock { state in
            for subject in subjects {
                guard var counters = state.counters[subject.owner] else { continue }
                counters.running = max(0, counters.running - 1)
                if tokensBack != 0 { counters.tokens?.giveBack(tokensBack) }
                if requestBack { counters.requests?.giveBack(1) }
                state.counters[subject.owner] = counters
            }
        }
    }

    /// Adds a finished request's tokens to its team's month (if that month is still the
    /// one being counted).
    func settle(_ tokens: Int, team: TeamReference, month: String) {
        guard tokens > 0 else { return }
        state.withLock { state in
            guard var tally = state.months[team], tally.month == month else { return }
            tally.tokens += tokens
            state.months[team] = tally
        }
    }

    /// Requests running now for `owner` (tests and diagnostics).
    func running(_ owner: LimitSubject.Owner) -> Int {
        state.withLock { $0.counters[owner]?.running ?? 0 }
    }

    // MARK: Counters

    /// The subject's counters, refilled to `now` and following its current limits: a limit
    /// just set starts with a full bucket, a removed one drops its bucket.
    private static func refreshed(_ counters: Counters, for subject: LimitSubject, now: TimeInterval) -> Counters {
        var counters = counters
        counters.requests = refreshed(counters.requests, limit: subject.requestsPerMinute, now: now)
        counters.tokens = refreshed(counters.tokens, limit: subject.tokensPerMinute, now: now)
        return counters
    }

    private static func refreshed(_ bucket: TokenBucket?, limit: Int?, now: TimeInterval) -> TokenBucket? {
        guard let limit else { return nil }
        guard var bucket else { return TokenBucket(perMinute: limit, now: now) }
        bucket.refill(perMinute: limit, now: now)
        return bucket
    }

    private static func pruneIfLarge(_ state: inout State) {
        guard state.counters.count > pruningThreshold else { return }
        state.counters = state.counters.filter { !$0.value.isIdle }
    }
}
