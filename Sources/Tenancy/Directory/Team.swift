import Foundation

/// A tenant: the unit that owns documents, a prompt profile, keys, limits and an audit trail.
public struct Team: Sendable, Hashable, Codable {
    public let id: TeamID
    public let organizationID: OrganizationID
    /// Unique inside its organization (case-insensitively); addressed as `org/team`.
    public let name: String
    public let createdAt: Date

    public init(id: TeamID, organizationID: OrganizationID, name: String, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.createdAt = createdAt
    }

    /// The team with its organization, as a ``Policy`` sees it.
    public var reference: TeamReference { TeamReference(id: id, organizationID: organizationID) }

    /// The team as something a ``Policy`` can decide about.
    public var resource: Resource { .team(reference) }
}
