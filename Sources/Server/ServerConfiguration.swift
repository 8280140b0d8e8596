import Console

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
