/// When a client address is blocked: after `failuresBeforeBlock` failed keys (unknown,
/// malformed, expired, revoked) within `windowSeconds`, for `blockSeconds`
/// (`atrium serve --block-after 20 --block-window 60 --block-seconds 300`).
public struct IntrusionPolicy: Sendable, Hashable {
    public let failuresBeforeBlock: Int
    public let windowSeconds: Int
    public let blockSeconds: Int

    public init(failuresBeforeBlock: Int = 20, windowSeconds: Int = 60, blockSeconds: Int = 300) throws(IntrusionPolicyError) {
        // Upper bounds too: a block's end and its Retry-After are computed from these (a
        // block of Int.max seconds trapped converting its remaining time back to an Int).
        guard (1...1_000_000).contains(failuresBeforeBlock) else {
            throw IntrusionPolicyError("--block-after must be 1 to 1000000")
        }
        guard (1...86_400).contains(windowSeconds) else {
            throw IntrusionPolicyError("--block-window must be 1 to 86400 seconds (a day)")
        }
        guard (1...31_536_000).contains(blockSeconds) else {
            throw IntrusionPolicyError("--block-seconds must be 1 to 31536000 seconds (a year)")
        }
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
