import Foundation
import Tenancy

/// A request over one of its limits: which one, and how long until it would fit.
struct LimitExceeded: Error, Sendable, Hashable {
    let reason: DenialReason
    let message: String
    /// Whole seconds; the `Retry-After` header.
    let retryAfter: Int

    /// The 429 the client sees: `rate_limit_exceeded`, or `insufficient_quota` for an
    /// exhausted monthly budget, with the reason's code and `Retry-After`.
    var error: GatewayError {
        let kind: GatewayError.Kind = reason == .monthlyBudgetExhausted ? .quotaExhausted : .rateLimited
        return GatewayError(kind, message, code: reason.rawValue, retryAfter: retryAfter)
    }

    /// Of several limits a request is over, the one that frees up last: retrying earlier
    /// would be refused again.
    static func latest(_ candidates: [LimitExceeded]) -> LimitExceeded? {
        candidates.max { $0.retryAfter < $1.retryAfter }
    }

    // The refusals both counters (in memory and shared) give, worded once.

    static func monthlyBudget(_ budget: Int, at date: Date) -> LimitExceeded {
        LimitExceeded(
            reason: .monthlyBudgetExhausted,
            message: "The team's monthly budget of \(budget) tokens is used up until the next month (UTC)",
            retryAfter: UTCMonth.secondsUntilNextMonth(from: date))
    }

    static func concurrency(_ subject: LimitSubject, limit: Int) -> LimitExceeded {
        LimitExceeded(
            reason: .concurrencyExceeded,
            message: "\(subject.possessive) limit of \(limit) requests at once is reached; retry when one finishes",
            retryAfter: 1)
    }

    static func requestRate(_ subject: LimitSubject, limit: Int, wait: Int) -> LimitExceeded {
        LimitExceeded(
            reason: .requestRateExceeded,
            message: "\(subject.possessive) limit of \(limit) requests per minute is reached; retry in \(wait) s",
            retryAfter: wait)
    }

    static func tokenRate(_ subject: LimitSubject, limit: Int, tokens: Int, wait: Int) -> LimitExceeded {
        LimitExceeded(
            reason: .tokenRateExceeded,
            message: "\(subject.possessive) limit of \(limit) tokens per minute is reached "
                + "(this request may use \(tokens)); retry in \(wait) s",
            retryAfter: wait)
    }
}
