import Foundation
import GRDB
import Tenancy

/// Who holds which role where: team members, organization admins, platform owners.
///
/// Changes reach keys at once: ``KeyRepository`` reads the holder's current role on every
/// lookup, and ``EffectiveRights`` caps the key by it.
public struct MembershipRepository: Sendable {
    let pool: DatabasePool

    /// Adds `user` to the granted team with `role`, or changes their role
    /// (`.addMember` on the team; the role may not outrank the granter's).
    @discardableResult
    public func setTeamRole(_ role: Role, for user: UserID, _ grant: Grant, now: Date = Date()) async throws -> Membership {
        let team = try grant.team(for: .addMember)
        if let reason = KeyIssuance.decideMembership(creator: grant.principal, team: team, role: role).denialReason {
            throw AccessDenied(reason, action: .addMember)
        }
        let membership = try Membership(userID: user, binding: .team(team), role: role)
        try await pool.write { db in
            try Self.requireUser(user, db)
            try Self.requireTeam(team, db)
            try Self.requireOrganizationUser(user, team.organizationID, grant, now: now, db)
            try db.execute(
                sql: """
                    INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role
                    """,
                arguments: [team.id.rawValue, user.rawValue, role.rawValue, now])
        }
        return membership
    }

    /// Removes `user` from the granted team (`.removeMember`); their team keys stop working
    /// on the next request.
    public func removeFromTeam(_ user: UserID, _ grant: Grant) async throws {
        let team = try grant.team(for: .removeMember)
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM team_members WHERE user_id = ? AND team_id IN
                        (SELECT id FROM teams WHERE id = ? AND organization_id = ?)
                    """,
                arguments: [user.rawValue, team.id.rawValue, team.organizationID.rawValue])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "membership", address: user.rawValue) }
        }
    }

    /// The granted team's members (`.readMembers`).
    public func members(_ grant: Grant) async throws -> [Membership] {
        let team = try grant.team(for: .readMembers)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.user_id, m.role FROM team_members m JOIN teams t ON t.id = m.team_id
                    WHERE m.team_id = ? AND t.organization_id = ? ORDER BY m.created_at
                    """,
                arguments: [team.id.rawValue, team.organizationID.rawValue]
            ).map { row in
                try Membership(
                    userID: UserID(rawValue: row.decode(String.self, forColumn: "user_id")),
                    binding: .team(team), role: row.role(table: "team_members"))
            }
        }
    }

    /// Makes `user` an admin of the granted organization (`.appointOrganizationAdmin`).
    public func appointOrganizationAdmin(_ user: UserID, _ grant: Grant, now: Date = Date()) async throws {
        let organization = try grant.organization(for: .appointOrganizationAdmin)
        try await pool.write { db in
            try Self.requireUser(user, db)
            try Self.requireOrganizationUser(user, organization, grant, now: now, db)
            try db.execute(
                sql: "INSERT OR IGNORE INTO organization_admins (organization_id, user_id, created_at) VALUES (?, ?, ?)",
                arguments: [organization.rawValue, user.rawValue, now])
        }
    }

    /// Removes `user` as admin of the granted organization (`.appointOrganizationAdmin`).
    public func removeOrganizationAdmin(_ user: UserID, _ grant: Grant) async throws {
        let organization = try grant.organization(for: .appointOrganizationAdmin)
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM organization_admins WHERE organization_id = ? AND user_id = ?",
                arguments: [organization.rawValue, user.rawValue])
        }
    }

    /// The role `user` holds at `binding` right now, if any.
    public func role(of user: UserID, at binding: AccessBinding) async throws -> Role? {
        try await pool.read { db in try Self.role(of: user, at: binding, db) }
    }

    static func role(of user: UserID, at binding: AccessBinding, _ db: Database) throws -> Role? {
        switch binding {
        case .platform:
            let owner = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM platform_owners WHERE user_id = ?)", arguments: [user.rawValue])
            return owner == true ? .owner : nil
        case let .organization(organization):
            let admin = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM organization_admins WHERE organization_id = ? AND user_id = ?)",
                arguments: [organization.rawValue, user.rawValue])
            return admin == true ? .orgAdmin : nil
        case let .team(team):
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT m.role FROM team_members m JOIN teams t ON t.id = m.team_id
                    WHERE m.user_id = ? AND m.team_id = ? AND t.organization_id = ?
                    """,
                arguments: [user.rawValue, team.id.rawValue, team.organizationID.rawValue])
            return try row?.role(table: "team_members")
        }
    }

    static func requireUser(_ user: UserID, _ db: Database) throws {
        let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)", arguments: [user.rawValue])
        if exists != true { throw StoreError.notFound(kind: "user", address: user.rawValue) }
    }

    /// Only an organization's users take roles in it. The owner, who sees every user, brings
    /// the user into the organization; anyone else finds a user of another organization
    /// missing, exactly like one that does not exist.
    static func requireOrganizationUser(
        _ user: UserID, _ organization: OrganizationID, _ grant: Grant, now: Date, _ db: Database
    ) throws {
        if case .platform = grant.principal.binding {
            try UserRepository.join(user, organization, now: now, db)
        } else if try !UserRepository.belongs(user, to: organization, db) {
            throw StoreError.notFound(kind: "user", address: user.rawValue)
        }
    }

    static func requireTeam(_ team: TeamReference, _ db: Database) throws {
        let exists = try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM teams WHERE id = ? AND organization_id = ?)",
            arguments: [team.id.rawValue, team.organizationID.rawValue])
        if exists != true { throw StoreError.notFound(kind: "team", address: team.id.rawValue) }
    }
}
