/// What the key store knows about a presented key: its record, the role its holder holds
/// *now* where the key is bound (`nil` when none), and whether the key was presented with the
/// secret a rotation replaced (still working for its grace period).
public struct KeyCredentials: Sendable, Hashable {
    public let record: APIKeyRecord
    public let holderRole: Role?
    public let isPreviousSecret: Bool

    public init(record: APIKeyRecord, holderRole: Role?, isPreviousSecret: Bool = false) {
        self.record = record
        self.holderRole = holderRole
        self.isPreviousSecret = isPreviousSecret
    }
}
