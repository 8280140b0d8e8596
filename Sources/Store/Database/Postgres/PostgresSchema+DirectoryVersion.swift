extension PostgresSchema {
    /// The tables whose rows decide what the gateway's directory cache answers (a key's
    /// credentials, its holder's memberships and roles, the team's profile and limits), as
    /// `pg14-directory-version` found them; `budgets` (whether any applies to a key) joined
    /// in `pg20`.
    static let directoryTables = [
        "organizations", "teams", "users", "platform_owners", "organization_admins", "organization_users",
        "team_members", "api_keys", "key_limits", "team_profiles", "team_limits", "sso_memberships",
    ]

    /// `api_keys` columns a request never writes: `last_used_at`, which every request's
    /// accounting stamps, is left out, so using a key does not empty every replica's cache.
    static let keyColumnsThatMatter = [
        "hash", "prefix", "name", "user_id", "role", "organization_id", "team_id", "expires_at", "revoked_at",
        "previous_hash", "previous_hash_expires_at",
    ]

    /// One counter, bumped by a trigger inside every transaction that changes a directory
    /// table, so it becomes visible exactly when the change does (at commit). A replica reads
    /// it before it trusts its directory cache (``PostgresBackend/directoryVersion()``): a
    /// revocation committed through one replica applies to every replica's next request.
    /// A trigger rather than the repositories' own statements: no write path (administration,
    /// single sign-on, `store copy`, a cascade) can forget it.
    static var directoryVersion: String {
        var statements = [
            """
            CREATE TABLE directory_version (
                singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
                version BIGINT NOT NULL CHECK (version >= 0)
            );
            INSERT INTO directory_version (singleton, version) VALUES (true, 0);
            CREATE FUNCTION atrium_directory_changed() RETURNS trigger LANGUAGE plpgsql AS
                'BEGIN UPDATE directory_version SET version = version + 1; RETURN NULL; END';
            """,
            // Every transaction may read and bump it; it holds no tenant's data.
            secure("directory_version", visible: "true"),
        ]
        statements += directoryTables.map(announcesDirectoryChanges)
        return statements.joined(separator: "\n")
    }

    /// The trigger that bumps ``directoryVersion`` once per statement that changes `table`
    /// (for a table added later whose rows the directory cache holds: call it in its migration).
    static func announcesDirectoryChanges(_ table: String) -> String {
        let update = table == "api_keys" ? "UPDATE OF \(keyColumnsThatMatter.joined(separator: ", "))" : "UPDATE"
        return """
            CREATE TRIGGER \(table)_change_directory_version AFTER INSERT OR \(update) OR DELETE OR TRUNCATE
                ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION atrium_directory_changed();
            """
    }
}
