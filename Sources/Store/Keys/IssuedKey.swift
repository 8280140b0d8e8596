import Tenancy

/// A freshly minted (or rotated) key: its stored record, its own limits, and the secret to
/// show its holder exactly once.
public struct IssuedKey: Sendable {
    public let record: APIKeyRecord
    public let secret: APIKeySecret
    /// The key's own limits as stored (inherited from the minting key where none were asked).
    public let limits: KeyLimits
}
