import Foundation
import Tenancy

/// Teams: created inside an organization, addressed by id or as `org/team`.
public struct TeamRepository: Sendable {
    let backend: any StoreBackend

    /// Creates a team in the granted organization (`.createTeam` on `.organization(id)`).
    public func create(named name: String, _ grant: Grant, now: Date = Date()) async throws -> Team {
        let organizationID = try grant.organization(for: .createTeam)
        let team = Team(
            id: .random(), organizationID: organizationID,
            name: try DirectoryName.validated(name, kind: "team"), createdAt: now)
        return try await backend.write { db in
            let taken = try db.exists(
                "SELECT EXISTS (SELECT 1 FROM teams WHERE organization_id = ? AND lower(name) = ?)",
                [organizationID.rawValue, team.name.asciiFolded])
            if taken { throw StoreError.nameTaken(kind: "team", name: team.name) }
            try db.execute(
                "INSERT INTO teams (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)",
                [team.id.rawValue, organizationID.rawValue, team.name, team.createdAt])
            // Read back, so the returned value carries the stored (millisecond) timestamp.
            return try Self.fetch(db, address: team.id.rawValue) ?? team
        }
    }

    /// The team with this id, or addressed as `org/team` (each half an id or a name).
    public func team(address: String) async throws -> Team? {
        try await backend.read { db in try Self.fetch(db, address: address) }
    }

    /// The teams of `organization` the principal's key reaches: all of them for the owner and
    /// the organization's admins, only its own for a team key.
    public func list(in organization: OrganizationID, visibleTo principal: Principal) async throws -> [Team] {
        try await backend.read { db in
            try db.fetchAll(
                "SELECT * FROM teams WHERE organization_id = ? ORDER BY lower(name), name", [organization.rawValue]
            ).map { try $0.team() }
        }.filter { principal.binding.reaches($0.resource) }
    }

    static func fetch(_ db: any SQLConnection, address: String) throws -> Team? {
        let parts = address.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return try db.fetchOne("SELECT * FROM teams WHERE id = ?", [address])?.team()
        case 2:
            guard let organization = try OrganizationRepository.fetch(db, address: String(parts[0])) else { return nil }
            return try db.fetchOne(
                "SELECT * FROM teams WHERE organization_id = ? AND (id = ? OR lower(name) = ?) ORDER BY id = ? DESC LIMIT 1",
                [organization.id.rawValue, String(parts[1]), String(parts[1]).asciiFolded, String(parts[1])]
            )?.team()
        default:
            return nil
        }
    }
}
