import Foundation
import Tenancy

/// A signed-in console session as stored: never its token (only the token's SHA-256, the
/// row's key), and never the API key it was made from (only that key's id and hash, which
/// the keys table already holds).
public struct ConsoleSession: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the session token the browser's cookie carries.
    public let tokenHash: String
    public let keyID: APIKeyID
    /// The hash of the key the session was made from: every request authenticates it again.
    public let keyHash: APIKeyHash
    public let createdAt: Date
    /// The last request made with it (what the idle timeout counts from).
    public let lastSeenAt: Date
    /// When it ends whatever its use.
    public let expiresAt: Date

    public init(
        tokenHash: String, keyID: APIKeyID, keyHash: APIKeyHash, createdAt: Date, lastSeenAt: Date, expiresAt: Date
    ) {
        self.tokenHash = tokenHash
        self.keyID = keyID
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}
