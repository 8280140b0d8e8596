/// Which key a request presented and whom it belongs to — known for authenticated requests
/// and for refused ones whose key was found (expired, revoked), so the audit names them.
public struct KeyIdentity: Sendable, Hashable {
    public let keyID: APIKeyID
    /// The key's display prefix (`atr_AbCdEfGh`), safe to show and log.
    public let keyPrefix: String
    public let userID: UserID
    public let binding: AccessBinding

    init(_ record: APIKeyRecord) {
        keyID = record.id
        keyPrefix = record.prefix
        userID = record.userID
        binding = record.binding
    }
}
