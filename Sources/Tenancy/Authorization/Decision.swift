/// The answer of ``Policy``: allow, or deny with the reason the audit log records.
public enum Decision: Sendable, Hashable {
    case allow
    case deny(DenialReason)

    public var isAllowed: Bool { self == .allow }

    /// The reason when denied, `nil` when allowed.
    public var denialReason: DenialReason? {
        if case let .deny(reason) = self { reason } else { nil }
    }
}
