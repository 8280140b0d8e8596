/// When a client address is blocked: after `failuresBeforeBlock` failed keys (unknown,
/// malformed, expired, revoked) within `windowSeconds`, for `blockSeconds`
/// (`atrium serve --block-after 20 --block-window 60 --block-seconds 300`).
public struct IntrusionPolicy: Sendable, Hashable {
    public let failuresBeforeBlock: Int
    public let windowSeconds: Int
    public let blockSeconds: Int

    public init(failuresBeforeBlock: Int = 20, windowSeconds: Int = 60, blockSeconds: Int = 300) throws(IntrusionPolicyError) {
        guard failuresBeforeBlock >= 1 else { throw IntrusionPolicyError("--block-after must be at least 1") }
        guard windowSeconds >= 1 else { throw IntrusionPolicyError("--block-window must be at least 1 second") }
        guard blockSeconds >= 1 else { throw IntrusionPolicyError("--block-seconds must be at least 1 second") }
        self.failuresBeforeBlock = failuresBeforeBlock
        self.windowSeconds = windowSeconds
        self.blockSeconds = blockSeconds
    }

    /// 20 failures within a minute block an address for five minutes.
    public static let standard = try! IntrusionPolicy()
}

/// An intrusion policy value out of range, naming the option.
public struct IntrusionPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
