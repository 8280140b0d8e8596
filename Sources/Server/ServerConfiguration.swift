import Console
#if canImport(Glibc)
import Glibc
#endif

/// How `atrium serve` listens and what it accepts.
public struct ServerConfiguration: Sendable, Hashable {
    public static let defaultMaximumBodyBytes = 1 << 20
    public static let defaultMaximumUploadBytes = 16 << 20

    public let host: String
    public let port: Int
    /// Request bodies above this answer 413.
    public let maximumBodyBytes: Int
    /// A bearer token that may read `GET /metrics` besides the owner's key (`--metrics-token`).
    public let metricsToken: String?
    /// Whether the client address is taken from `X-Forwarded-For` (the address the proxy in
    /// front appended) instead of the socket's peer. Only behind a proxy that sets it: a
    /// client talking directly could otherwise pick any address and escape blocking.
    public let trustForwardedFor: Bool
    /// Document uploads (`POST /v1/collections/{name}/documents`) above this answer 413.
    public let maximumUploadBytes: Int
    /// Connections held at once, in all and from one address (``ConnectionGate``).
    public var connectionLimits = ConnectionLimits()
    /// A connection with nothing to read or answer for this long is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// The web console's sessions and cookies.
    public var console: ConsoleConfiguration = ConsoleConfiguration()

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = Self.defaultMaximumBodyBytes,
        metricsToken: String? = nil, trustForwardedFor: Bool = false,
        maximumUploadBytes: Int = Self.defaultMaximumUploadBytes
    ) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.metricsToken = metricsToken
        self.trustForwardedFor = trustForwardedFor
        self.maximumUploadBytes = maximumUploadBytes
    }
}

/// How many connections `atrium serve` holds (`--max-connections`,
/// `--max-connections-per-address`).
public struct ConnectionLimits: Sendable, Hashable {
    /// The process's open-file limit less what the store, model files, uploads and upstream
    /// connections need, at least 256.
    public static var defaultTotal: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 16_384 }
        return max(256, Int(min(limit.rlim_cur, 1 << 20)) - 512)
    }
    public static let defaultPerAddress = 256

    public var total: Int
    /// 0: no cap per address (behind a proxy, every connection comes from the proxy).
    public var perAddress: Int

    public init(total: Int = Self.defaultTotal, perAddress: Int = Self.defaultPerAddress) {
        self.total = total
        self.perAddress = perAddress
    }
}
