import Foundation

/// How long a key lives and what its own limits allow: the part of a key that the key
/// minting it bounds (``KeyIssuance/terms(requested:minter:)``).
public struct KeyTerms: Sendable, Hashable {
    /// `nil`: the key does not expire.
    public let expiresAt: Date?
    public let limits: KeyLimits

    public init(expiresAt: Date? = nil, limits: KeyLimits = .unlimited) {
        self.expiresAt = expiresAt
        self.limits = limits
    }
}

extension KeyIssuance {
    /// The terms of a minted key: never beyond those of the key that mints it.
    ///
    /// - Expiry: a requested expiry must not lie after the minter's; none requested means the
    ///   minter's (a key without expiry mints keys of any lifetime).
    /// - Limits, each on its own: a requested limit must not exceed the minter's; none
    ///   requested means the minter's (an unlimited minter lets any limit through).
    ///
    /// ```swift
    /// let terms = try KeyIssuance.terms(requested: KeyTerms(limits: order.limits), minter: creatorTerms)
    /// ```
    /// - Throws: ``AccessDenied`` with ``DenialReason/exceedsCreatorKey``.
    public static func terms(requested: KeyTerms, minter: KeyTerms) throws(AccessDenied) -> KeyTerms {
        let refused = AccessDenied(.exceedsCreatorKey, action: .issueKey)
        let expiresAt = requested.expiresAt ?? minter.expiresAt
        if let ceiling = minter.expiresAt, let wanted = expiresAt, wanted > ceiling { throw refused }
        guard let requests = bounded(requested.limits.requestsPerMinute, by: minter.limits.requestsPerMinute),
            let tokens = bounded(requested.limits.tokensPerMinute, by: minter.limits.tokensPerMinute),
            let concurrent = bounded(requested.limits.maxConcurrent, by: minter.limits.maxConcurrent)
        else { throw refused }
        let limits = KeyLimits(checkedRequestsPerMinute: requests, tokensPerMinute: tokens, maxConcurrent: concurrent)
        return KeyTerms(expiresAt: expiresAt, limits: limits)
    }

    /// `.some(limit)` within the ceiling (absent: the ceiling), `.none` beyond it.
    private static func bounded(_ wanted: Int?, by ceiling: Int?) -> Int?? {
        guard let ceiling else { return .some(wanted) }
        guard let wanted else { return .some(ceiling) }
        return wanted <= ceiling ? .some(wanted) : .none
    }
}
