import Foundation
import Tenancy

/// Organizations: created by the owner, seen by whoever they reach.
public struct OrganizationRepository: Sendable {
    let backend: any StoreBackend

    /// Creates an organization. Needs a grant for `.createOrganization` on `.platform`.
    public func create(named name: String, _ grant: Grant, now: Date = Date()) async throws -> Organization {
        guard try grant.resource(for: .createOrganization) == .platform else {
            throw AccessDenied(.actionDoesNotApply, action: .createOrganization)
        }
        let organization = Organization(
            id: .random(), name: try DirectoryName.validated(name, kind: "organization"), createdAt: now)
        return try await backend.write { db in
            if try Self.fetch(db, address: organization.name) != nil {
                throw StoreError.nameTaken(kind: "organization", name: organization.name)
            }
            try db.execute(
                "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
                [organization.id.rawValue, organization.name, organization.createdAt])
            // Read back, so the returned value carries the stored (millisecond) timestamp.
            return try Self.fetch(db, address: organization.id.rawValue) ?? organization
        }
    }

    /// The organization with this id or (case-insensitive) name.
    public func organization(address: String) async throws -> Organization? {
        try await backend.read { db in try Self.fetch(db, address: address) }
    }

    /// The organizations the principal's key reaches: all for the owner, its own otherwise.
    public func list(visibleTo principal: Principal) async throws -> [Organization] {
        try await backend.read { db in
            let rows: [SQLRow]
            if let own = principal.organizationID {
                rows = try db.fetchAll("SELECT * FROM organizations WHERE id = ?", [own.rawValue])
            } else {
                rows = try db.fetchAll("SELECT * FROM organizations ORDER BY lower(name), name")
            }
            return try rows.map { try $0.organization() }
        }
    }

    /// By id or name; an id wins over a name that folds to it (one made before names of an
    /// id's shape were refused in any case).
    static func fetch(_ db: any SQLConnection, address: String) throws -> Organization? {
        try db.fetchOne(
            "SELECT * FROM organizations WHERE id = ? OR lower(name) = ? ORDER BY id = ? DESC LIMIT 1",
            [address, address.asciiFolded, address]
        )?.organization()
    }
}
