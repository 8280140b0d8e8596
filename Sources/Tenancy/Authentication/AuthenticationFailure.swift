/// A presented key was refused. Carries the key's identity when it was found, so the audit
/// record of the refusal names whose expired or revoked key it was.
public struct AuthenticationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: DenialReason
    public let identity: KeyIdentity?

    init(_ reason: DenialReason, identity: KeyIdentity? = nil) {
        self.reason = reason
        self.identity = identity
    }

    public var description: String { "authentication failed: \(reason)" }
}
