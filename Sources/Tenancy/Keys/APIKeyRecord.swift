import Foundation

/// Everything stored about a key — never the key itself.
public struct APIKeyRecord: Sendable, Hashable {
    public let id: APIKeyID
    /// Display prefix (`atr_AbCdEfGh`), shown in listings and logs.
    public let prefix: String
    public let hash: APIKeyHash
    public let name: String?
    public let userID: UserID
    public let binding: AccessBinding
    /// The role the key was issued with (its holder's membership may cap it further).
    public let role: Role
    public let createdAt: Date
    /// The key that minted this one (`nil` for the bootstrap owner key).
    public let createdBy: APIKeyID?
    public let expiresAt: Date?
    public let revokedAt: Date?
    public let lastUsedAt: Date?

    public init(
        id: APIKeyID, prefix: String, hash: APIKeyHash, name: String?, userID: UserID,
        binding: AccessBinding, role: Role, createdAt: Date, createdBy: APIKeyID?,
        expiresAt: Date?, revokedAt: Date?, lastUsedAt: Date?
    ) {
        self.id = id
        self.prefix = prefix
        self.hash = hash
        self.name = name
        self.userID = userID
        self.binding = binding
        self.role = role
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// Whether the key works at `instant`. Revocation wins over expiry; an expiry instant
    /// is already too late.
    public func status(at instant: Date) -> KeyStatus {
        if let revokedAt, revokedAt <= instant { return .revoked }
        if let expiresAt, expiresAt <= instant { return .expired }
        return .active
    }
}

/// Whether a key can be used.
public enum KeyStatus: String, Sendable, Hashable, Codable {
    case active
    case expired
    case revoked
}
