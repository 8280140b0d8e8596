/// Which key a request presented and whom it belongs to — known for authenticated requests
/// and for refused ones whose key was found (expired, revoked), so the audit names them.
public struct KeyIdentity: Sendable, Hashable {
    public let keyID: APIKeyID
    /// The key's display prefix (`atr_AbCdEfGh`), safe to show and log.
    public let keyPrefix: String
    public let userID: UserID
    public let binding: AccessBinding

    /// - Parameter isPreviousSecret: presented with the secret a rotation replaced: the prefix
    ///   says so, so the audit tells the old secret's requests from the new one's.
    init(_ record: APIKeyRecord, isPreviousSecret: Bool = false) {
        keyID = record.id
        keyPrefix = isPreviousSecret ? record.prefix + " (previous secret)" : record.prefix
        userID = record.userID
        binding = record.binding
    }
}
