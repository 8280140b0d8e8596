import Foundation
import Tenancy

/// Where the limit stage keeps its counters: this process's memory (``Limiter``, for the
/// embedded store, one process) or the database every replica shares (``SharedLimiter``, for
/// PostgreSQL). Either way every check-and-take is atomic, and a request over any one limit
/// takes nothing from the others.
///
/// A request is admitted under a `lease` (a fresh id per request) that its ``release`` names.
protocol LimitCounters: Sendable {
    /// Admits one request of `scope` if every subject has a request left this minute and room
    /// to run one more, and the team's month is not used up; then takes the request and the
    /// slot. Otherwise takes nothing and returns the limit that frees up last.
    func admit(
        _ subjects: [LimitSubject], scope: TenantScope, lease: String, month: String, monthlyBudget: Int?, at date: Date
    ) async throws -> LimitExceeded?

    /// Takes `tokens` from every subject's tokens-per-minute bucket, or nothing and returns
    /// the limit that frees up last.
    func reserve(_ tokens: Int, for subjects: [LimitSubject], scope: TenantScope, at date: Date) async throws
        -> LimitExceeded?

    /// Ends the request admitted under `lease`: frees its slot, gives back `tokensBack`
    /// (negative: takes more) and, for a request that never ran, its request; adds
    /// `usedTokens` to the team's `month`. Never fails: a counter it cannot reach is logged.
    func release(
        _ subjects: [LimitSubject], scope: TenantScope, lease: String, tokensBack: Double, requestBack: Bool,
        month: String, usedTokens: Int
    ) async

    /// Requests of `owner` running now (tests and diagnostics).
    func running(_ owner: LimitSubject.Owner, scope: TenantScope) async throws -> Int
}
