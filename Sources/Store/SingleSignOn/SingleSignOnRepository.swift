import Foundation
import GRDB
import Tenancy

/// Single sign-on's tables (migrations `v17-single-sign-on`, `pg13-single-sign-on`): who is who
/// at the identity provider (`sso_identities`: issuer and subject → user), each
/// organization's group mappings, and which team memberships single sign-on made
/// (`sso_memberships`). Only those are ever removed by a later sign-in: a membership made or
/// changed by hand loses its mark (``MembershipRepository/setTeamRole(_:for:_:now:)``) and is
/// left alone; removing the membership drops the mark with it (foreign key).
public struct SingleSignOnRepository: Sendable {
    let backend: any StoreBackend

    /// The most mappings one organization keeps, and the longest group name.
    public static let maximumMappings = 256
    /// The name of the keys console sessions of SSO sign-ins are made from.
    public static let sessionKeyName = "console sso session"

    static func createTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sso_identities (
                    issuer TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    last_sign_in_at DATETIME NOT NULL,
                    PRIMARY KEY (issuer, subject)
                );
                CREATE INDEX sso_identities_by_user ON sso_identities(user_id);
                CREATE TABLE sso_group_mappings (
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    group_name TEXT NOT NULL,
                    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('team_admin', 'member', 'viewer')),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (organization_id, group_name, team_id)
                );
                CREATE TABLE sso_memberships (
                    team_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    granted_at DATETIME NOT NULL,
                    PRIMARY KEY (team_id, user_id),
                    FOREIGN KEY (team_id, user_id) REFERENCES team_members(team_id, user_id) ON DELETE CASCADE
                );
                """)
    }

    // MARK: Mappings

    /// The granted organization's mappings (`.readSingleSignOn`), in the order they were saved.
    public func mappings(_ grant: Grant) async throws -> [GroupMapping] {
        let organization = try grant.organization(for: .readSingleSignOn)
        return try await backend.read { db in try Self.mappings(of: organization, db) }
    }

    /// Replaces the granted organization's mappings (`.manageSingleSignOn`). Every team must
    /// belong to the organization (a team of another one is "not found"). Memberships change at
    /// each person's next sign-in. Mappings confer roles, so the grant's key is checked as it
    /// stands inside the write (``KeyRepository/standing(_:at:_:)``).
    public func replaceMappings(_ mappings: [GroupMapping], _ grant: Grant, now: Date = Date()) async throws {
        let organization = try grant.organization(for: .manageSingleSignOn)
        guard mappings.count <= Self.maximumMappings else {
            throw StoreError.invalidValue(field: "mappings", problem: "at most \(Self.maximumMappings) entries")
        }
        try await backend.write { db in
            _ = try KeyRepository.standing(grant, at: now, db)
            try db.execute("DELETE FROM sso_group_mappings WHERE organization_id = ?", [organization.rawValue])
            for (position, mapping) in mappings.enumerated() {
                guard mapping.team.organizationID == organization, Role.teamRoles.contains(mapping.role) else {
                    throw StoreError.notFound(kind: "team", address: mapping.team.id.rawValue)
                }
                try MembershipRepository.requireTeam(mapping.team, db)
                try db.execute(
                    """
                    INSERT INTO sso_group_mappings (organization_id, group_name, team_id, role, position)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (organization_id, group_name, team_id) DO UPDATE SET role = excluded.role
                    """,
                    [organization.rawValue, mapping.group, mapping.team.id.rawValue, mapping.role.rawValue, position])
            }
        }
    }

    static func mappings(of organization: OrganizationID, _ db: any SQLConnection) throws -> [GroupMapping] {
        try db.fetchAll(
            """
            SELECT m.group_name, m.team_id, m.role FROM sso_group_mappings m
            JOIN teams t ON t.id = m.team_id AND t.organization_id = m.organization_id
            WHERE m.organization_id = ? ORDER BY m.position
            """,
            [organization.rawValue]
        ).map { row in
            GroupMapping(
                group: try row.decode(String.self, forColumn: "group_name"),
                team: TeamReference(
                    id: TeamID(rawValue: try row.decode(String.self, forColumn: "team_id")),
                    organizationID: organization),
                role: try row.role(table: "sso_group_mappings"))
        }
    }

    // MARK: Sign-in

    /// Everything an SSO sign-in changes, in one transaction: finds the user by issuer and
    /// subject (or makes one in `organization` on first sign-in), applies the organization's
    /// mappings to the token's groups — adding the memberships they grant, changing the role of
    /// those SSO made, removing those SSO made whose group is gone — and mints the session's key
    /// at the user's highest role in the organization (organization admin, else their highest
    /// team role; ties by team name).
    ///
    /// This write takes no ``Grant``: the identity provider's verified ID token is the proof,
    /// and it can only confer what the organization's admins mapped (or gave by hand).
    /// - Returns: what changed, and no session key when the person holds no role in the
    ///   organization (the user and the mappings' removals are kept all the same).
    public func signIn(
        _ identity: ExternalIdentity, organization: OrganizationID, sessionExpiresAt: Date, now: Date = Date()
    ) async throws -> SingleSignOnResult {
        let secret = APIKeySecret.generate()
        return try await backend.write { db in
            let (user, created) = try Self.user(for: identity, in: organization, now: now, db)
            let (added, removed) = try Self.applyMappings(
                Self.mappings(of: organization, db), groups: Set(identity.groups), user: user.id,
                organization: organization, now: now, db)
            // After the mappings: a membership they removed revoked its keys' line, which may
            // free a signed-out session's key to go now.
            try Self.deleteSpentSessionKeys(of: user.id, at: now, db)
            // As many live SSO sessions as a key may hold sessions: the oldest beyond give way
            // (their sessions end), or each sign-in would add a key for the whole session's life.
            let live = try db.fetchAll(
                """
                SELECT id FROM api_keys WHERE user_id = ? AND name = ? AND created_by IS NULL AND revoked_at IS NULL
                    AND (expires_at IS NULL OR expires_at > ?)
                ORDER BY created_at DESC, id
                """,
                [user.id.rawValue, Self.sessionKeyName, now]
            ).map { APIKeyID(rawValue: try $0.decode(String.self, forColumn: "id")) }
            for id in live.dropFirst(ConsoleSessionRepository.maximumSessionsPerKey - 1) {
                try Self.retire(id, at: now, db)
            }
            guard let highest = try Self.highestRole(of: user.id, in: organization, db) else {
                return SingleSignOnResult(user: user, created: created, added: added, removed: removed, sessionKey: nil)
            }
            let (binding, role) = highest
            try KeyRepository.insert(
                APIKeyRecord(
                    id: .random(), prefix: secret.prefix, hash: secret.hash, name: Self.sessionKeyName,
                    userID: user.id, binding: binding, role: role, createdAt: now, createdBy: nil,
                    expiresAt: sessionExpiresAt, revokedAt: nil, lastUsedAt: nil),
                db)
            return SingleSignOnResult(user: user, created: created, added: added, removed: removed, sessionKey: secret)
        }
    }

    /// Ends an SSO session's key when its session is signed out (``retire(_:at:_:)``); any
    /// other key is left alone.
    public func endSessionKey(_ id: APIKeyID, now: Date = Date()) async throws {
        try await backend.write { db in
            guard
                try db.exists(
                    "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = ? AND name = ? AND created_by IS NULL)",
                    [id.rawValue, Self.sessionKeyName])
            else { return }
            try Self.retire(id, at: now, db)
        }
    }

    /// Ends a session key for good. Its secret lived only in its session, so nobody can use it
    /// again, and it is deleted — unless a live key it minted or rotated (or an alert
    /// destination) hangs below it: then it is revoked and kept, because removing or demoting
    /// its holder revokes that line by walking down from the holder's keys
    /// (``MembershipRepository``), and a deleted key would cut it off. Kept ones go once their
    /// line is spent (``deleteSpentSessionKeys(of:at:_:)``).
    ///
    /// The key's row is locked first, in a statement of its own, as the cascades do: on
    /// PostgreSQL a mint by this key that began first has then committed before the line is
    /// looked for, and one that begins later finds the key revoked or gone.
    static func retire(_ id: APIKeyID, at now: Date, _ db: any SQLConnection) throws {
        try db.execute("UPDATE api_keys SET last_used_at = last_used_at WHERE id = ?", [id.rawValue])
        if try KeyRepository.holdsLiveLine(id, at: now, db) {
            try db.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                [now.flooredToSecond, id.rawValue])
        } else {
            try db.execute("DELETE FROM api_keys WHERE id = ?", [id.rawValue])
        }
    }

    /// Deletes the person's session keys that can start no session any more — expired, or
    /// revoked (signed out, capped, or by an admin) — and hold no live line
    /// (``retire(_:at:_:)``): without this each sign-in would leave one more dead key in the
    /// team's key list.
    static func deleteSpentSessionKeys(of user: UserID, at now: Date, _ db: any SQLConnection) throws {
        let spent = try db.fetchAll(
            """
            SELECT id FROM api_keys WHERE user_id = ? AND name = ? AND created_by IS NULL
                AND (revoked_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at <= ?))
            """,
            [user.rawValue, Self.sessionKeyName, now]
        ).map { APIKeyID(rawValue: try $0.decode(String.self, forColumn: "id")) }
        for id in spent where try !KeyRepository.holdsLiveLine(id, at: now, db) {
            try db.execute("DELETE FROM api_keys WHERE id = ?", [id.rawValue])
        }
    }

    /// The user an identity belongs to, made (and put in the organization) on first sign-in.
    static func user(for identity: ExternalIdentity, in organization: OrganizationID, now: Date, _ db: any SQLConnection)
        throws -> (User, Bool)
    {
        if let row = try db.fetchOne(
            "SELECT user_id FROM sso_identities WHERE issuer = ? AND subject = ?", [identity.issuer, identity.subject]),
            let user = try UserRepository.fetch(db, id: UserID(rawValue: row.decode(String.self, forColumn: "user_id")))
        {
            try db.execute(
                "UPDATE sso_identities SET last_sign_in_at = ? WHERE issuer = ? AND subject = ?",
                [now, identity.issuer, identity.subject])
            try UserRepository.join(user.id, organization, now: now, db)
            return (user, false)
        }
        let email = identity.email.flatMap { try? UserRepository.validatedEmail($0) }
        var made: User?
        for name in Self.candidateNames(for: identity) {
            let user = User(id: .random(), name: name, email: email, createdAt: now)
            do {
                try UserRepository.insert(user, in: organization, db)
                made = user
                break
            } catch StoreError.nameTaken {
                continue
            }
        }
        guard let made else { throw StoreError.nameTaken(kind: "user", name: Self.candidateNames(for: identity)[0]) }
        try db.execute(
            """
            INSERT INTO sso_identities (issuer, subject, user_id, created_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?)
            """,
            [identity.issuer, identity.subject, made.id.rawValue, now, now])
        return (try UserRepository.fetch(db, id: made.id) ?? made, true)
    }

    /// A directory name from what the token offers (`preferred_username`, the email's local
    /// part), then the same with a suffix from the subject when that name is taken.
    static func candidateNames(for identity: ExternalIdentity) -> [String] {
        let offered = identity.preferredName ?? identity.email.map { String($0.prefix { $0 != "@" }) } ?? "sso-user"
        var base = String(
            offered.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "-"
            }
        ).trimmingCharacters(in: CharacterSet(charactersIn: "._-"))
        base = String(base.prefix(48))
        if (try? DirectoryName.validated(base, kind: "user")) == nil { base = "sso-user" }
        let suffix = SHA256Hex.of("\(identity.issuer)\u{0}\(identity.subject)").prefix(10)
        // Last a random suffix: the subject's is computable, so an administrator could take
        // both names beforehand and keep the person from ever signing in.
        let random = SHA256Hex.of(UUID().uuidString).prefix(12)
        return [base, "\(base)-\(suffix)", "\(base)-\(random)"]
    }

    /// Adds, re-roles and removes the user's SSO-made memberships in the organization's teams so
    /// that they match the mappings of the token's groups (the highest role where several map
    /// to one team). Memberships made by hand are neither changed nor removed.
    static func applyMappings(
        _ mappings: [GroupMapping], groups: Set<String>, user: UserID, organization: OrganizationID, now: Date,
        _ db: any SQLConnection
    ) throws -> (added: [TeamID], removed: [TeamID]) {
        var wanted: [TeamID: Role] = [:]
        for mapping in mappings where groups.contains(mapping.group) {
            if let held = wanted[mapping.team.id], held.rank >= mapping.role.rank { continue }
            wanted[mapping.team.id] = mapping.role
        }
        let rows = try db.fetchAll(
            """
            SELECT m.team_id, m.role, s.team_id AS marked FROM team_members m
            JOIN teams t ON t.id = m.team_id
            LEFT JOIN sso_memberships s ON s.team_id = m.team_id AND s.user_id = m.user_id
            WHERE m.user_id = ? AND t.organization_id = ?
            """,
            [user.rawValue, organization.rawValue])
        var held: [TeamID: (role: String, bySSO: Bool)] = [:]
        for row in rows {
            let marked: String? = try row.decode(forColumn: "marked")
            held[TeamID(rawValue: try row.decode(String.self, forColumn: "team_id"))] =
                (try row.decode(String.self, forColumn: "role"), marked != nil)
        }
        var added: [TeamID] = []
        var removed: [TeamID] = []
        for (team, membership) in held where membership.bySSO && wanted[team] == nil {
            try db.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", [team.rawValue, user.rawValue])
            try MembershipRepository.revokeKeys(
                of: user, boundTo: .team(TeamReference(id: team, organizationID: organization)), at: now, db)
            removed.append(team)
        }
        for (team, role) in wanted.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            switch held[team] {
            case .none:
                try db.execute(
                    "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
                    [team.rawValue, user.rawValue, role.rawValue, now])
                try db.execute(
                    "INSERT INTO sso_memberships (team_id, user_id, granted_at) VALUES (?, ?, ?)",
                    [team.rawValue, user.rawValue, now])
                added.append(team)
            case let .some(membership) where membership.bySSO && membership.role != role.rawValue:
                if let previous = Role(rawValue: membership.role), previous.actions.contains(.issueKey),
                    !role.actions.contains(.issueKey)
                {
                    try MembershipRepository.revokeKeysMinted(
                        by: user, boundTo: .team(TeamReference(id: team, organizationID: organization)), at: now, db)
                }
                try db.execute(
                    "UPDATE team_members SET role = ? WHERE team_id = ? AND user_id = ?",
                    [role.rawValue, team.rawValue, user.rawValue])
            default:
                break
            }
        }
        return (added, removed.sorted { $0.rawValue < $1.rawValue })
    }

    /// Where the session's key is bound: organization admin, else the highest team role (ties by
    /// team name); `nil` without any role in the organization.
    static func highestRole(of user: UserID, in organization: OrganizationID, _ db: any SQLConnection) throws
        -> (AccessBinding, Role)?
    {
        if try MembershipRepository.role(of: user, at: .organization(organization), db) != nil {
            return (.organization(organization), .orgAdmin)
        }
        let rows = try db.fetchAll(
            """
            SELECT m.team_id, m.role, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
            WHERE m.user_id = ? AND t.organization_id = ?
            """,
            [user.rawValue, organization.rawValue])
        let memberships = try rows.map { row in
            (
                team: TeamID(rawValue: try row.decode(String.self, forColumn: "team_id")),
                role: try row.role(table: "team_members"), name: try row.decode(String.self, forColumn: "name")
            )
        }
        guard
            let best = memberships.min(by: {
                $0.role.rank != $1.role.rank ? $0.role.rank > $1.role.rank : $0.name.lowercased() < $1.name.lowercased()
            })
        else { return nil }
        return (.team(TeamReference(id: best.team, organizationID: organization)), best.role)
    }
}
