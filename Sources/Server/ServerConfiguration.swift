/// How `atrium serve` listens and what it accepts.
public struct ServerConfiguration: Sendable, Hashable {
    public static let defaultMaximumBodyBytes = 1 << 20
    public static let defaultMaximumUploadBytes = 16 << 20

    public let host: String
    public let port: Int
    /// Request bodies above this answer 413.
    public let maximumBodyBytes: Int
    /// Document uploads (`POST /v1/collections/{name}/documents`) above this answer 413.
    public let maximumUploadBytes: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = Self.defaultMaximumBodyBytes,
        maximumUploadBytes: Int = Self.defaultMaximumUploadBytes
    ) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumUploadBytes = maximumUploadBytes
    }
}
