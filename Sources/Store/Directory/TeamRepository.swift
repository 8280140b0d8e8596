import Foundation
import GRDB
import Tenancy

/// Teams: created inside an organization, addressed by id or as `org/team`.
public struct TeamRepository: Sendable {
    let pool: DatabasePool

    /// Creates a team in the granted organization (`.createTeam` on `.organization(id)`).
    public func create(named name: String, _ grant: Grant, now: Date = Date()) async throws -> Team {
        let organizationID = try grant.organization(for: .createTeam)
        let team = Team(
            id: .random(), organizationID: organizationID,
            name: try DirectoryName.validated(name, kind: "team"), createdAt: now)
        return try await pool.write { db in
            let taken = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM teams WHERE organization_id = ? AND name = ? COLLATE NOCASE)",
                arguments: [organizationID.rawValue, team.name]) ?? false
            if taken { throw StoreError.nameTaken(kind: "team", name: team.name) }
            try db.execute(
                sql: "INSERT INTO teams (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)",
                arguments: [team.id.rawValue, organizationID.rawValue, team.name, team.createdAt])
            // Read back, so the returned value carries the stored (millisecond) timestamp.
            return try Self.fetch(db, address: team.id.rawValue) ?? team
        }
    }

    /// The team with this id, or addressed as `org/team` (each half an id or a name).
    public func team(address: String) async throws -> Team? {
        try await pool.read { db in try Self.fetch(db, address: address) }
    }

    /// The teams of `organization` the principal's key reaches: all of them for the owner and
    /// the organization's admins, only its own for a team key.
    public func list(in organization: OrganizationID, visibleTo principal: Principal) async throws -> [Team] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM teams WHERE organization_id = ? ORDER BY name",
                arguments: [organization.rawValue]
            ).map { try $0.team() }
        }.filter { principal.binding.reaches($0.resource) }
    }

    static func fetch(_ db: Database, address: String) throws -> Team? {
        let parts = address.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return try Row.fetchOne(db, sql: "SELECT * FROM teams WHERE id = ?", arguments: [address])?.team()
        case 2:
            guard let organization = try OrganizationRepository.fetch(db, address: String(parts[0])) else { return nil }
            return try Row.fetchOne(
                db, sql: "SELECT * FROM teams WHERE organization_id = ? AND (id = ? OR name = ? COLLATE NOCASE)",
                arguments: [organization.id.rawValue, String(parts[1]), String(parts[1])]
            )?.team()
        default:
            return nil
        }
    }
}
