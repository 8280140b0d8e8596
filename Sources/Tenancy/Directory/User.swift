import Foundation

/// A person or service account. Users hold roles through memberships and act through keys.
public struct User: Sendable, Hashable, Codable {
    public let id: UserID
    /// Unique across the platform (case-insensitively); see ``DirectoryName``.
    public let name: String
    public let email: String?
    public let createdAt: Date

    public init(id: UserID, name: String, email: String?, createdAt: Date) {
        self.id = id
        self.name = name
        self.email = email
        self.createdAt = createdAt
    }
}
