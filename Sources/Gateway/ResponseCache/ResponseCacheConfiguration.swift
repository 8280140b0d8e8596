/// How long a team's cached answers live and how much memory all of them may take.
///
/// ```swift
/// let configuration = try ResponseCacheConfiguration(timeToLive: .seconds(300), maximumBytes: 64 << 20)
/// ```
public struct ResponseCacheConfiguration: Sendable, Hashable {
    /// How long an answer is served from the cache after it was generated.
    public let timeToLive: Duration
    /// The bytes every cached key and answer may take together; a full cache evicts the least
    /// recently used answer of the team holding the most.
    public let maximumBytes: Int

    /// The cache turned off: every request goes to the model.
    public static let disabled = ResponseCacheConfiguration(checkedTimeToLive: .zero, maximumBytes: 0)
    /// `atrium serve`'s default: five minutes, 64 MiB.
    public static let standard = ResponseCacheConfiguration(checkedTimeToLive: .seconds(300), maximumBytes: 64 << 20)

    /// A zero time to live or byte cap turns the cache off.
    /// - Throws: ``ResponseCacheConfigurationError`` for a negative value.
    public init(timeToLive: Duration, maximumBytes: Int) throws(ResponseCacheConfigurationError) {
        guard timeToLive >= .zero else { throw ResponseCacheConfigurationError("the time to live must not be negative") }
        guard maximumBytes >= 0 else { throw ResponseCacheConfigurationError("the byte cap must not be negative") }
        self.init(checkedTimeToLive: timeToLive, maximumBytes: maximumBytes)
    }

    private init(checkedTimeToLive timeToLive: Duration, maximumBytes: Int) {
        self.timeToLive = timeToLive
        self.maximumBytes = maximumBytes
    }

    /// Whether answers are cached at all.
    public var isEnabled: Bool { timeToLive > .zero && maximumBytes > 0 }
}

/// A response-cache setting that makes no sense.
public struct ResponseCacheConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
