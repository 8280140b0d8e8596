/// The PostgreSQL schema, as its own history of versioned migrations (SQLite's is
/// ``SchemaMigrations``): the same tables and meanings, in PostgreSQL's types. A migration,
/// once released, is never edited: append a new one.
///
/// Names compare case-insensitively as `lower(name)` on `COLLATE "C"` columns, which folds
/// ASCII only, exactly like SQLite's `NOCASE`. Instants are `timestamptz`.
///
/// Row-level security is on, and forced (so the tables' owner is held by it too), for every
/// table: a tenant transaction (`atrium.team` set by ``PostgresBackend`` from a
/// ``TenantScope``) sees only its team's rows; an administrative one (`atrium.access`) sees
/// what the repositories' own conditions select; a connection that set neither sees nothing.
enum PostgresSchema {
    struct Migration {
        let name: String
        let sql: String
    }

    static let migrations: [Migration] = [
        Migration(name: "pg1-directory", sql: directory),
        Migration(name: "pg2-keys", sql: keys),
        Migration(name: "pg3-profiles-and-limits", sql: profilesAndLimits),
        Migration(name: "pg4-row-level-security", sql: rowLevelSecurity),
        Migration(name: "pg5-usage", sql: usage),
        Migration(name: "pg6-audit", sql: audit),
        Migration(name: "pg7-alerts", sql: alerts),
        Migration(name: "pg8-alert-destinations", sql: alertDestinations),
        Migration(name: "pg9-console-sessions", sql: consoleSessions),
        Migration(name: "pg10-knowledge", sql: knowledge),
        Migration(name: "pg11-knowledge-full-text", sql: knowledgeFullText),
        Migration(name: "pg13-single-sign-on", sql: singleSignOn),
        Migration(name: "pg14-directory-version", sql: directoryVersion),
        Migration(name: "pg16-shared-limits", sql: sharedLimits),
        Migration(name: "pg18-budgets", sql: BudgetSchema.postgres),
        // The directory cache remembers which keys have no budget: a new one must empty it.
        Migration(name: "pg20-budgets-directory-version", sql: announcesDirectoryChanges("budgets")),
        // Which key made a key's current and previous secret by rotating it, and which made an
        // alert destination (SQLite's v19).
        Migration(
            name: "pg21-makers-of-access",
            sql: """
                ALTER TABLE api_keys ADD COLUMN rotated_by TEXT COLLATE "C";
                ALTER TABLE api_keys ADD COLUMN previous_rotated_by TEXT COLLATE "C";
                ALTER TABLE alert_destinations ADD COLUMN created_by TEXT COLLATE "C";
                CREATE INDEX api_keys_by_creator ON api_keys (created_by);
                CREATE INDEX api_keys_by_rotator ON api_keys (rotated_by);
                CREATE INDEX api_keys_by_previous_rotator ON api_keys (previous_rotated_by);
                CREATE INDEX alert_destinations_by_creator ON alert_destinations (created_by);
                """),
    ]

    /// The tables whose rows belong to one team, and the column naming it (`key_limits`
    /// belongs to the key's team, through `api_keys`).
    static let teamTables: [(table: String, teamColumn: String)] = [
        ("teams", "id"), ("team_members", "team_id"), ("api_keys", "team_id"),
        ("team_profiles", "team_id"), ("team_limits", "team_id"), ("usage_daily", "team_id"),
        ("audit_records", "team_id"), ("alerts", "team_id"),
        ("knowledge_collections", "team_id"), ("knowledge_documents", "team_id"), ("knowledge_chunks", "team_id"),
        ("knowledge_versions", "team_id"), ("knowledge_postings", "team_id"), ("knowledge_full_text_totals", "team_id"),
        ("sso_memberships", "team_id"),
        ("limit_counters", "team_id"), ("limit_leases", "team_id"), ("limit_months", "team_id"),
        ("budgets", "team_id"), ("budget_spend", "team_id"), ("budget_holds", "team_id"),
    ]

    /// Tables no tenant transaction sees at all: machinery of the whole
    /// platform or an organization (the audit chain's head, alert destinations and their queue,
    /// console sessions, single sign-on's identities and group mappings).
    static let serviceTables = [
        "audit_head", "alert_destinations", "alert_destination_teams", "alert_deliveries", "console_sessions",
        "sso_identities", "sso_group_mappings", "address_records",
    ]

    /// Tables every team's transaction reads and only administrative ones write: the owner's
    /// model prices (a request is priced with them).
    static let teamReadableTables = ["model_prices"]

    /// Tables only administrative transactions see (the directory above the teams).
    static let administrativeTables = [
        "organizations", "users", "platform_owners", "organization_admins", "organization_users",
    ]

    /// Tables every transaction sees, holding nothing of any tenant's: the directory's
    /// version (``directoryVersion``), read outside any transaction on every request.
    static let sharedTables = ["directory_version"]

    static let administration = "current_setting('atrium.access', true) = 'administration'"

    static func ownTeam(_ column: String) -> String {
        "\(column) = current_setting('atrium.team', true)"
    }

    private static let directory = """
        CREATE TABLE organizations (
            id TEXT COLLATE "C" PRIMARY KEY,
            name TEXT COLLATE "C" NOT NULL,
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE UNIQUE INDEX organizations_by_name ON organizations (lower(name));
        CREATE TABLE teams (
            id TEXT COLLATE "C" PRIMARY KEY,
            organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
            name TEXT COLLATE "C" NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            UNIQUE (id, organization_id)
        );
        CREATE UNIQUE INDEX teams_by_name ON teams (organization_id, lower(name));
        CREATE TABLE users (
            id TEXT COLLATE "C" PRIMARY KEY,
            name TEXT COLLATE "C" NOT NULL,
            email TEXT,
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX users_by_name ON users (lower(name));
        CREATE TABLE platform_owners (
            user_id TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE organization_admins (
            organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (organization_id, user_id)
        );
        CREATE TABLE organization_users (
            organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (organization_id, user_id)
        );
        CREATE INDEX organization_users_by_user ON organization_users (user_id);
        CREATE TABLE team_members (
            team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('team_admin', 'member', 'viewer')),
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );
        CREATE INDEX team_members_by_user ON team_members (user_id);
        """

    private static let keys = """
        CREATE TABLE api_keys (
            id TEXT COLLATE "C" PRIMARY KEY,
            hash TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(hash) = 64),
            prefix TEXT NOT NULL,
            name TEXT,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            organization_id TEXT COLLATE "C" REFERENCES organizations(id) ON DELETE CASCADE,
            team_id TEXT COLLATE "C",
            created_at TIMESTAMPTZ NOT NULL,
            created_by TEXT,
            expires_at TIMESTAMPTZ,
            revoked_at TIMESTAMPTZ,
            last_used_at TIMESTAMPTZ,
            previous_hash TEXT COLLATE "C" UNIQUE CHECK (length(previous_hash) = 64),
            previous_hash_expires_at TIMESTAMPTZ,
            FOREIGN KEY (team_id, organization_id) REFERENCES teams(id, organization_id) ON DELETE CASCADE,
            CHECK (
                (role = 'owner' AND organization_id IS NULL AND team_id IS NULL)
                OR (role = 'org_admin' AND organization_id IS NOT NULL AND team_id IS NULL)
                OR (role IN ('team_admin', 'member', 'viewer')
                    AND organization_id IS NOT NULL AND team_id IS NOT NULL)
            )
        );
        CREATE INDEX api_keys_by_team ON api_keys (team_id, organization_id);
        CREATE INDEX api_keys_by_organization ON api_keys (organization_id);
        CREATE TABLE key_limits (
            key_id TEXT COLLATE "C" PRIMARY KEY REFERENCES api_keys(id) ON DELETE CASCADE,
            requests_per_minute BIGINT CHECK (requests_per_minute > 0),
            tokens_per_minute BIGINT CHECK (tokens_per_minute > 0),
            max_concurrent BIGINT CHECK (max_concurrent > 0)
        );
        """

    private static let profilesAndLimits = """
        CREATE TABLE team_profiles (
            team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            version BIGINT NOT NULL CHECK (version > 0),
            body TEXT NOT NULL,
            saved_by_key TEXT NOT NULL,
            saved_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (team_id, version)
        );
        CREATE TABLE team_limits (
            team_id TEXT COLLATE "C" PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
            requests_per_minute BIGINT CHECK (requests_per_minute > 0),
            tokens_per_minute BIGINT CHECK (tokens_per_minute > 0),
            max_concurrent BIGINT CHECK (max_concurrent > 0),
            monthly_tokens BIGINT CHECK (monthly_tokens > 0),
            weight DOUBLE PRECISION NOT NULL DEFAULT 1,
            updated_by_key TEXT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        """

    /// Row-level security on `table`, forced, with one policy for reading and writing.
    static func secure(_ table: String, visible: String) -> String {
        """
        ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY;
        ALTER TABLE \(table) FORCE ROW LEVEL SECURITY;
        CREATE POLICY atrium_tenant ON \(table) USING (\(visible)) WITH CHECK (\(visible));
        """
    }

    /// A table of one team's rows: its own team's transactions and administrative ones.
    static func secure(_ table: String, teamColumn: String) -> String {
        secure(table, visible: "\(administration) OR \(ownTeam(teamColumn))")
    }

    /// The tables of pg1 to pg3 (a released migration never changes, so the list is its own).
    private static var rowLevelSecurity: String {
        let teamTables = [
            ("teams", "id"), ("team_members", "team_id"), ("api_keys", "team_id"),
            ("team_profiles", "team_id"), ("team_limits", "team_id"),
        ]
        var statements = teamTables.map { secure($0.0, teamColumn: $0.1) }
        // A key's limits belong to the key's team: visible when its key is (api_keys' own policy).
        statements.append(
            secure("key_limits", visible: "\(administration) OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = key_id)"))
        statements += administrativeTables.map { secure($0, visible: administration) }
        return statements.joined(separator: "\n")
    }

    /// Usage per team, user, key and UTC day (`YYYY-MM-DD`); counters are added to, never
    /// rewritten.
    private static var usage: String {
        """
        CREATE TABLE usage_daily (
            day TEXT COLLATE "C" NOT NULL,
            organization_id TEXT COLLATE "C" NOT NULL,
            team_id TEXT COLLATE "C" NOT NULL,
            user_id TEXT COLLATE "C" NOT NULL,
            key_id TEXT COLLATE "C" NOT NULL,
            requests BIGINT NOT NULL DEFAULT 0,
            prompt_tokens BIGINT NOT NULL DEFAULT 0,
            completion_tokens BIGINT NOT NULL DEFAULT 0,
            cache_hits BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (team_id, day, user_id, key_id)
        );
        CREATE INDEX usage_by_organization_day ON usage_daily (organization_id, day);
        \(secure("usage_daily", teamColumn: "team_id"))
        """
    }

    /// Single sign-on (SQLite's `v17-single-sign-on`): identities and an organization's group
    /// mappings are administrative; the marks of memberships SSO made belong to their team.
    private static var singleSignOn: String {
        """
        CREATE TABLE sso_identities (
            issuer TEXT COLLATE "C" NOT NULL,
            subject TEXT COLLATE "C" NOT NULL,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TIMESTAMPTZ NOT NULL,
            last_sign_in_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (issuer, subject)
        );
        CREATE INDEX sso_identities_by_user ON sso_identities (user_id);
        CREATE TABLE sso_group_mappings (
            organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
            group_name TEXT COLLATE "C" NOT NULL,
            team_id TEXT COLLATE "C" NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('team_admin', 'member', 'viewer')),
            position BIGINT NOT NULL,
            PRIMARY KEY (organization_id, group_name, team_id)
        );
        CREATE TABLE sso_memberships (
            team_id TEXT COLLATE "C" NOT NULL,
            user_id TEXT COLLATE "C" NOT NULL,
            granted_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (team_id, user_id),
            FOREIGN KEY (team_id, user_id) REFERENCES team_members (team_id, user_id) ON DELETE CASCADE
        );
        \(secure("sso_identities", visible: administration))
        \(secure("sso_group_mappings", visible: administration))
        \(secure("sso_memberships", teamColumn: "team_id"))
        """
    }

    /// Collections, documents, chunks (vectors as little-endian Float32 `bytea`) and the
    /// per-team knowledge version, as ``KnowledgeSchema`` has them on SQLite. Chunk ids come
    /// from an identity sequence, so a deleted chunk's id is never handed out again.
    private static var knowledge: String {
        """
        CREATE TABLE knowledge_collections (
            id TEXT COLLATE "C" PRIMARY KEY,
            team_id TEXT COLLATE "C" NOT NULL,
            organization_id TEXT COLLATE "C" NOT NULL,
            name TEXT COLLATE "C" NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            FOREIGN KEY (team_id, organization_id) REFERENCES teams(id, organization_id) ON DELETE CASCADE
        );
        CREATE UNIQUE INDEX knowledge_collections_by_name ON knowledge_collections (team_id, lower(name));
        CREATE TABLE knowledge_documents (
            id TEXT COLLATE "C" PRIMARY KEY,
            collection_id TEXT COLLATE "C" NOT NULL REFERENCES knowledge_collections(id) ON DELETE CASCADE,
            team_id TEXT COLLATE "C" NOT NULL,
            name TEXT COLLATE "C" NOT NULL,
            format TEXT NOT NULL,
            content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
            byte_count BIGINT NOT NULL CHECK (byte_count >= 0),
            embedding_model TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            UNIQUE (collection_id, name)
        );
        CREATE INDEX knowledge_documents_by_team ON knowledge_documents (team_id, collection_id);
        CREATE TABLE knowledge_chunks (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            document_id TEXT COLLATE "C" NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
            collection_id TEXT COLLATE "C" NOT NULL,
            team_id TEXT COLLATE "C" NOT NULL,
            chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
            heading_path TEXT NOT NULL,
            text TEXT NOT NULL,
            embedding BYTEA NOT NULL,
            UNIQUE (document_id, chunk_index)
        );
        CREATE INDEX knowledge_chunks_by_team ON knowledge_chunks (team_id, collection_id);
        CREATE TABLE knowledge_versions (
            team_id TEXT COLLATE "C" PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
            version BIGINT NOT NULL CHECK (version > 0)
        );
        \(["knowledge_collections", "knowledge_documents", "knowledge_chunks", "knowledge_versions"]
            .map { secure($0, teamColumn: "team_id") }.joined(separator: "\n"))
        """
    }

    /// Full-text search as FTS5 ranks it (``FullTextPostings``): one row per (team, term,
    /// chunk) with the term's count in each column and the chunk's length in tokens, and per
    /// team the number of indexed chunks and their tokens (BM25's N and average length), so
    /// one team's words never move another team's scores.
    private static var knowledgeFullText: String {
        """
        CREATE TABLE knowledge_postings (
            team_id TEXT COLLATE "C" NOT NULL,
            term TEXT COLLATE "C" NOT NULL,
            chunk_id BIGINT NOT NULL REFERENCES knowledge_chunks(id) ON DELETE CASCADE,
            chunk_length INTEGER NOT NULL CHECK (chunk_length > 0),
            text_count INTEGER NOT NULL CHECK (text_count >= 0),
            heading_count INTEGER NOT NULL CHECK (heading_count >= 0),
            title_count INTEGER NOT NULL CHECK (title_count >= 0),
            PRIMARY KEY (team_id, term, chunk_id)
        );
        CREATE INDEX knowledge_postings_by_chunk ON knowledge_postings (chunk_id);
        CREATE TABLE knowledge_full_text_totals (
            team_id TEXT COLLATE "C" PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
            chunks BIGINT NOT NULL CHECK (chunks >= 0),
            tokens BIGINT NOT NULL CHECK (tokens >= 0)
        );
        \(secure("knowledge_postings", teamColumn: "team_id"))
        \(secure("knowledge_full_text_totals", teamColumn: "team_id"))
        """
    }
}
