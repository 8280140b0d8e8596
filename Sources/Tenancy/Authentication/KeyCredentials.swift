/// What the key store knows about a presented key: its record, and the role its holder
/// holds *now* where the key is bound (`nil` when none).
public struct KeyCredentials: Sendable, Hashable {
    public let record: APIKeyRecord
    public let holderRole: Role?

    public init(record: APIKeyRecord, holderRole: Role?) {
        self.record = record
        self.holderRole = holderRole
    }
}
