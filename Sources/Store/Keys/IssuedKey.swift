import Tenancy

/// A freshly minted key: its stored record, and the secret to show its holder exactly once.
public struct IssuedKey: Sendable {
    public let record: APIKeyRecord
    public let secret: APIKeySecret
}
