import Foundation

/// A customer of the platform: it owns teams and is run by its org admins.
public struct Organization: Sendable, Hashable, Codable {
    public let id: OrganizationID
    /// Unique across the platform (case-insensitively); see ``DirectoryName``.
    public let name: String
    public let createdAt: Date

    public init(id: OrganizationID, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }

    /// The organization as something a ``Policy`` can decide about.
    public var resource: Resource { .organization(id) }
}
