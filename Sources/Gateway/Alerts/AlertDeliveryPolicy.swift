/// How alerts are delivered to their webhooks: how long one attempt may take, how many
/// attempts a delivery gets and how long to wait between them (doubling each time).
///
/// The default — 6 attempts, retries after 20, 40, 80, 160 and 320 s — keeps trying for about
/// ten minutes before giving a delivery up (`atrium serve --alert-delivery-attempts`,
/// `--alert-retry-seconds`, `--alert-delivery-timeout`).
public struct AlertDeliveryPolicy: Sendable, Hashable {
    public static let standard = AlertDeliveryPolicy(
        uncheckedAttempts: 6, firstRetry: .seconds(20), timeout: .seconds(10), pollInterval: .seconds(1))

    /// Attempts per delivery, the first included.
    public let maximumAttempts: Int
    /// The wait after the first failed attempt; each later wait is twice the one before.
    public let firstRetry: Duration
    /// The most one attempt may take: connecting, the answer and its body (up to 64 KiB read).
    public let timeout: Duration
    /// How often the queue is looked at for due deliveries.
    public let pollInterval: Duration
    /// Deliveries sent at the same time.
    public let concurrency = 8
    /// Of those, at most this many for one organization's destinations (the platform's count
    /// as one organization); each destination gets one at a time.
    public let perOrganization = 2
    /// Whether an organization's destination may lead into private networks (loopback, RFC
    /// 1918, link-local; ``DestinationAddress``). Off by default; the owner's platform-wide
    /// destinations are never checked (`atrium serve --alert-allow-private-destinations`).
    public var allowsPrivateDestinations = false

    public init(maximumAttempts: Int, firstRetry: Duration, timeout: Duration, pollInterval: Duration? = nil)
        throws(AlertDeliveryPolicyError)
    {
        guard (1...50).contains(maximumAttempts) else {
            throw .invalid("attempts must be 1 to 50, not \(maximumAttempts)")
        }
        guard firstRetry > .zero else { throw .invalid("the retry delay must be positive") }
        guard timeout > .zero, timeout <= .seconds(300) else {
            throw .invalid("the timeout must be above 0 and at most 300 s")
        }
        self.init(
            uncheckedAttempts: maximumAttempts, firstRetry: firstRetry, timeout: timeout,
            pollInterval: pollInterval ?? min(.seconds(1), firstRetry))
    }

    private init(uncheckedAttempts: Int, firstRetry: Duration, timeout: Duration, pollInterval: Duration) {
        maximumAttempts = uncheckedAttempts
        self.firstRetry = firstRetry
        self.timeout = timeout
        self.pollInterval = pollInterval
    }

    /// The wait before the next attempt after `attempt` (1-based) failed, or `nil` when that
    /// was the last one.
    public func retryDelay(afterAttempt attempt: Int) -> Duration? {
        guard attempt < maximumAttempts else { return nil }
        return firstRetry * (1 << min(attempt - 1, 30))
    }

    /// How long a claimed delivery stays hidden from other claims: one attempt and a margin.
    var lease: Duration { timeout * 2 + .seconds(5) }
}

/// A delivery setting that cannot work.
public enum AlertDeliveryPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let problem): problem
        }
    }
}
