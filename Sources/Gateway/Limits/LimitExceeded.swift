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
}
