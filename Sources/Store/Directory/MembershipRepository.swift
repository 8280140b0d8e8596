import Foundation
import Tenancy

/// Who holds which role where: team members, organization admins, platform owners.
///
/// Changes reach keys at once: ``KeyRepository`` reads the holder's current role on every
/// lookup, and ``EffectiveRights`` caps the key by it.
public struct MembershipRepository: Sendable {
    let backend: any StoreBackend

    /// Adds `user` to the granted team with `role`, or changes their role
    /// (`.addMember` on the team; the role may not outrank the granter's).
    @discardableResult
    public func setTeamRole(_ role: Role, for user: UserID, _ grant: Grant, now: Date = Date()) async throws -> Membership {
        let team = try grant.team(for: .addMember)
        if let reason = KeyIssuance.decideMembership(creator: grant.principal, team: team, role: role).denialReason {
            throw AccessDenied(reason, action: .addMember)
        }
        let membership = try Membership(userID: user, binding: .team(team), role: role)
        try await backend.write { db in
            // Conferring a role hands out access: as the granter's key stands now.
            let grant = try KeyRepository.standing(grant, at: now, db)
            if let reason = KeyIssuance.decideMembership(creator: grant.principal, team: team, role: role).denialReason {
                throw AccessDenied(reason, action: .addMember)
            }
            try Self.requireUser(user, db)
            try Self.requireTeam(team, db)
            try Self.requireOrganizationUser(user, team.organizationID, grant, now: now, db)
            // An admin made a member or viewer may mint no more keys; the keys they minted go too.
            if let previous = try Self.role(of: user, at: .team(team), db),
                previous.actions.contains(.issueKey), !role.actions.contains(.issueKey)
            {
                try Self.revokeKeysMinted(by: user, boundTo: .team(team), at: now, db)
            }
            try db.execute(
                """
                INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role
                """,
                [team.id.rawValue, user.rawValue, role.rawValue, now])
            // Made or changed by hand now: a later single sign-on leaves it alone.
            try db.execute(
                "DELETE FROM sso_memberships WHERE team_id = ? AND user_id = ?", [team.id.rawValue, user.rawValue])
        }
        return membership
    }

    /// Removes `user` from the granted team (`.removeMember`) and revokes their keys bound to
    /// it: adding them back later gives them a membership, not their old (possibly leaked) keys.
    public func removeFromTeam(_ user: UserID, _ grant: Grant, now: Date = Date()) async throws {
        let team = try grant.team(for: .removeMember)
        try await backend.write { db in
            // The keys first: a mint by one of them locks its row before it reads the membership
            // (``KeyRepository/standing(_:at:_:)``), so the two take their locks in one order.
            try Self.revokeKeys(of: user, boundTo: .team(team), at: now, db)
            let removed = try db.execute(
                """
                DELETE FROM team_members WHERE user_id = ? AND team_id IN
                    (SELECT id FROM teams WHERE id = ? AND organization_id = ?)
                """,
                [user.rawValue, team.id.rawValue, team.organizationID.rawValue])
            if removed == 0 { throw StoreError.notFound(kind: "membership", address: user.rawValue) }
        }
    }

    /// Removes `user` from the granted organization (`.addOrganizationUser`: whoever may add
    /// its users may remove them) — offboarding in one step: their memberships of its teams,
    /// their admin role and their place in it end, and every key they hold there goes, with
    /// every key and alert destination those made, as removal from each would do. The user
    /// stays (other organizations, the audit). An admin of the organization is removed by the
    /// owner only, as their role is.
    public func removeFromOrganization(_ user: UserID, _ grant: Grant, now: Date = Date()) async throws {
        let organization = try grant.organization(for: .addOrganizationUser)
        try await backend.write { db in
            guard try UserRepository.belongs(user, to: organization, db) else {
                throw StoreError.notFound(kind: "user", address: user.rawValue)
            }
            if try Self.role(of: user, at: .organization(organization), db) != nil {
                guard grant.principal.binding == .platform else {
                    throw AccessDenied(.roleNotAllowed, action: .appointOrganizationAdmin)
                }
                try Self.revokeKeys(of: user, boundTo: .organization(organization), at: now, db)
                try db.execute(
                    "DELETE FROM organization_admins WHERE organization_id = ? AND user_id = ?",
                    [organization.rawValue, user.rawValue])
            }
            // Every team of the organization where they are a member or hold a key.
            let teams = try db.fetchAll(
                """
                SELECT m.team_id AS team_id FROM team_members m JOIN teams t ON t.id = m.team_id
                    WHERE m.user_id = ? AND t.organization_id = ?
                UNION SELECT team_id FROM api_keys WHERE user_id = ? AND organization_id = ? AND team_id IS NOT NULL
                """,
                [user.rawValue, organization.rawValue, user.rawValue, organization.rawValue])
            for row in teams {
                let team = TeamReference(
                    id: TeamID(rawValue: try row.decode(String.self, forColumn: "team_id")), organizationID: organization)
                try Self.revokeKeys(of: user, boundTo: .team(team), at: now, db)
            }
            let inTeams = "team_id IN (SELECT id FROM teams WHERE organization_id = ?)"
            try db.execute("DELETE FROM team_members WHERE user_id = ? AND \(inTeams)", [user.rawValue, organization.rawValue])
            try db.execute("DELETE FROM sso_memberships WHERE user_id = ? AND \(inTeams)", [user.rawValue, organization.rawValue])
            try db.execute(
                "DELETE FROM organization_users WHERE organization_id = ? AND user_id = ?",
                [organization.rawValue, user.rawValue])
        }
    }

    /// Revokes every key of `user` bound to `binding` (a membership or admin role ended) and
    /// every key minted or rotated by one of them, and by those, and so on: whoever minted or
    /// rotated a key saw its secret, so a key made in a colleague's name (or taken over by
    /// rotating it) would otherwise outlive its maker's access. The alert destinations those
    /// keys made go too (``KeyRepository/revokeLine(below:_:at:_:)``).
    static func revokeKeys(of user: UserID, boundTo binding: AccessBinding, at now: Date, _ db: any SQLConnection) throws {
        try revokeKeys(held: true, by: user, boundTo: binding, at: now, db)
    }

    /// Revokes every key minted or rotated (directly or down the line) by `user`'s keys bound
    /// to `binding`, leaving their own: they no longer may mint keys there (a demoted admin),
    /// nor keep the alert destinations they made.
    static func revokeKeysMinted(by user: UserID, boundTo binding: AccessBinding, at now: Date, _ db: any SQLConnection) throws {
        try revokeKeys(held: false, by: user, boundTo: binding, at: now, db)
    }

    private static func revokeKeys(
        held: Bool, by user: UserID, boundTo binding: AccessBinding, at now: Date, _ db: any SQLConnection
    ) throws {
        let own: String
        let arguments: SQLArguments
        switch binding {
        case let .team(team):
            own = "SELECT id FROM api_keys WHERE user_id = ? AND team_id = ?"
            arguments = [user.rawValue, team.id.rawValue]
        case let .organization(organization):
            own = "SELECT id FROM api_keys WHERE user_id = ? AND organization_id = ? AND team_id IS NULL"
            arguments = [user.rawValue, organization.rawValue]
        default:
            return
        }
        let revokedAt = now.flooredToSecond
        // Two statements: the first revokes (or, `held` false, just locks) the user's own keys,
        // so a mint or rotation by one of them that began first has committed before the second
        // looks for what they minted — in a statement of its own, which sees that commit.
        try db.execute(
            """
            UPDATE api_keys SET \(held ? "revoked_at = COALESCE(revoked_at, ?)" : "last_used_at = last_used_at")
            WHERE id IN (\(own))
            """,
            (held ? [revokedAt] : []) + arguments)
        try KeyRepository.revokeLine(below: own, arguments, at: revokedAt, db)
    }

    /// The granted team's members (`.readMembers`).
    public func members(_ grant: Grant) async throws -> [Membership] {
        let team = try grant.team(for: .readMembers)
        return try await backend.read { db in
            try db.fetchAll(
                """
                SELECT m.user_id, m.role FROM team_members m JOIN teams t ON t.id = m.team_id
                WHERE m.team_id = ? AND t.organization_id = ? ORDER BY m.created_at
                """,
                [team.id.rawValue, team.organizationID.rawValue]
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
        try await backend.write { db in
            _ = try KeyRepository.standing(grant, at: now, db)
            try Self.requireUser(user, db)
            try Self.requireOrganizationUser(user, organization, grant, now: now, db)
            try db.execute(
                """
                INSERT INTO organization_admins (organization_id, user_id, created_at) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                [organization.rawValue, user.rawValue, now])
        }
    }

    /// Removes `user` as admin of the granted organization (`.appointOrganizationAdmin`) and
    /// revokes their keys bound to the organization, as ``removeFromTeam(_:_:now:)`` does.
    public func removeOrganizationAdmin(_ user: UserID, _ grant: Grant, now: Date = Date()) async throws {
        let organization = try grant.organization(for: .appointOrganizationAdmin)
        try await backend.write { db in
            try Self.revokeKeys(of: user, boundTo: .organization(organization), at: now, db)  // keys first, as above
            let removed = try db.execute(
                "DELETE FROM organization_admins WHERE organization_id = ? AND user_id = ?",
                [organization.rawValue, user.rawValue])
            if removed == 0 { throw StoreError.notFound(kind: "organization admin", address: user.rawValue) }
        }
    }

    /// The role `user` holds at `binding` right now, if any.
    public func role(of user: UserID, at binding: AccessBinding) async throws -> Role? {
        try await backend.read { db in try Self.role(of: user, at: binding, db) }
    }

    static func role(of user: UserID, at binding: AccessBinding, _ db: any SQLConnection) throws -> Role? {
        switch binding {
        case .platform:
            let owner = try db.exists(
                "SELECT EXISTS (SELECT 1 FROM platform_owners WHERE user_id = ?)", [user.rawValue])
            return owner ? .owner : nil
        case let .organization(organization):
            let admin = try db.exists(
                "SELECT EXISTS (SELECT 1 FROM organization_admins WHERE organization_id = ? AND user_id = ?)",
                [organization.rawValue, user.rawValue])
            return admin ? .orgAdmin : nil
        case let .team(team):
            let row = try db.fetchOne(
                """
                SELECT m.role FROM team_members m JOIN teams t ON t.id = m.team_id
                WHERE m.user_id = ? AND m.team_id = ? AND t.organization_id = ?
                """,
                [user.rawValue, team.id.rawValue, team.organizationID.rawValue])
            return try row?.role(table: "team_members")
        }
    }

    static func requireUser(_ user: UserID, _ db: any SQLConnection) throws {
        let exists = try db.exists("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)", [user.rawValue])
        if !exists { throw StoreError.notFound(kind: "user", address: user.rawValue) }
    }

    /// Only an organization's users take roles in it. The owner, who sees every user, brings
    /// the user into the organization; anyone else finds a user of another organization
    /// missing, exactly like one that does not exist.
    static func requireOrganizationUser(
        _ user: UserID, _ organization: OrganizationID, _ grant: Grant, now: Date, _ db: any SQLConnection
    ) throws {
        if case .platform = grant.principal.binding {
            try UserRepository.join(user, organization, now: now, db)
        } else if try !UserRepository.belongs(user, to: organization, db) {
            throw StoreError.notFound(kind: "user", address: user.rawValue)
        }
    }

    static func requireTeam(_ team: TeamReference, _ db: any SQLConnection) throws {
        let exists = try db.exists(
            "SELECT EXISTS (SELECT 1 FROM teams WHERE id = ? AND organization_id = ?)",
            [team.id.rawValue, team.organizationID.rawValue])
        if !exists { throw StoreError.notFound(kind: "team", address: team.id.rawValue) }
    }
}
