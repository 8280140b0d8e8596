import GRDB

/// The schema, as versioned migrations. A migration, once released, is never edited: change
/// the schema by appending a new one. Read top to bottom, this file is the data model.
///
/// Times that are hashed or filtered by range (audit, usage) are integer milliseconds or UTC
/// days; directory times are GRDB dates (UTC text with milliseconds).
enum SchemaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-directory", migrate: createDirectory)
        migrator.registerMigration("v2-keys", migrate: createKeys)
        migrator.registerMigration("v3-profiles-and-limits", migrate: createProfilesAndLimits)
        migrator.registerMigration("v4-audit", migrate: createAudit)
        migrator.registerMigration("v5-usage", migrate: createUsage)
        migrator.registerMigration("v6-audit-retention", migrate: addAuditRetention)
        migrator.registerMigration("v7-key-limits-and-alerts", migrate: createKeyLimitsAndAlerts)
        migrator.registerMigration("v8-knowledge", migrate: KnowledgeSchema.create)
        migrator.registerMigration("v9-knowledge-versions", migrate: KnowledgeSchema.addVersions)
        migrator.registerMigration(
            "v10-organization-users-and-key-rotation", migrate: addOrganizationUsersAndKeyRotation)
        migrator.registerMigration("v11-alert-destinations", migrate: createAlertDestinations)
        migrator.registerMigration("v12-audit-client-address", migrate: addAuditClientAddress)
        migrator.registerMigration("v13-knowledge-title-field", migrate: KnowledgeSchema.addTitleField)
        migrator.registerMigration("v14-team-weights", migrate: addTeamWeights)
        migrator.registerMigration("v15-audit-flags", migrate: addAuditFlags)
        migrator.registerMigration("v16-console-sessions", migrate: ConsoleSessionRepository.createTable)
        migrator.registerMigration("v17-single-sign-on", migrate: SingleSignOnRepository.createTables)
        migrator.registerMigration("v18-budgets", migrate: BudgetSchema.createSQLite)
        migrator.registerMigration("v19-makers-of-access", migrate: addMakersOfAccess)
        return migrator
    }

    /// Organizations, teams, users and who holds which role where.
    private static func createDirectory(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE organizations (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE teams (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    name TEXT NOT NULL COLLATE NOCASE,
                    created_at DATETIME NOT NULL,
                    UNIQUE (organization_id, name),
                    UNIQUE (id, organization_id)
                );
                CREATE TABLE users (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    email TEXT,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE platform_owners (
                    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE organization_admins (
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (organization_id, user_id)
                );
                CREATE TABLE team_members (
                    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('team_admin', 'member', 'viewer')),
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (team_id, user_id)
                );
                CREATE INDEX team_members_by_user ON team_members(user_id);
                """)
    }

    /// API keys: hash and prefix only. The CHECK ties each role to its binding, and a team
    /// key's (team, organization) pair must be a real team of that organization.
    private static func createKeys(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
                    prefix TEXT NOT NULL,
                    name TEXT,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    organization_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
                    team_id TEXT,
                    created_at DATETIME NOT NULL,
                    created_by TEXT,
                    expires_at DATETIME,
                    revoked_at DATETIME,
                    last_used_at DATETIME,
                    FOREIGN KEY (team_id, organization_id) REFERENCES teams(id, organization_id) ON DELETE CASCADE,
                    CHECK (
                        (role = 'owner' AND organization_id IS NULL AND team_id IS NULL)
                        OR (role = 'org_admin' AND organization_id IS NOT NULL AND team_id IS NULL)
                        OR (role IN ('team_admin', 'member', 'viewer')
                            AND organization_id IS NOT NULL AND team_id IS NOT NULL)
                    )
                );
                CREATE INDEX api_keys_by_team ON api_keys(team_id, organization_id);
                CREATE INDEX api_keys_by_organization ON api_keys(organization_id);
                """)
    }

    /// Every saved profile version is kept; the highest version is current.
    private static func createProfilesAndLimits(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE team_profiles (
                    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL CHECK (version > 0),
                    body TEXT NOT NULL,
                    saved_by_key TEXT NOT NULL,
                    saved_at DATETIME NOT NULL,
                    PRIMARY KEY (team_id, version)
                );
                CREATE TABLE team_limits (
                    team_id TEXT PRIMARY KEY NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
                    requests_per_minute INTEGER CHECK (requests_per_minute > 0),
                    tokens_per_minute INTEGER CHECK (tokens_per_minute > 0),
                    max_concurrent INTEGER CHECK (max_concurrent > 0),
                    monthly_tokens INTEGER CHECK (monthly_tokens > 0),
                    updated_by_key TEXT NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                """)
    }

    /// The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained. No
    /// foreign keys: the trail outlives the teams and keys it names. `audit_head` remembers
    /// the last link, so cutting records off the end is detected too.
    private static func createAudit(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE audit_records (
                    id INTEGER PRIMARY KEY NOT NULL,
                    occurred_at_ms INTEGER NOT NULL,
                    request_id TEXT,
                    key_id TEXT,
                    key_prefix TEXT,
                    user_id TEXT,
                    organization_id TEXT,
                    team_id TEXT,
                    action TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
                    reason TEXT,
                    query TEXT,
                    prompt_tokens INTEGER NOT NULL,
                    completion_tokens INTEGER NOT NULL,
                    latency_ms INTEGER NOT NULL,
                    cache_hit INTEGER NOT NULL,
                    sources TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX audit_by_team_time ON audit_records(team_id, occurred_at_ms);
                CREATE INDEX audit_by_organization_time ON audit_records(organization_id, occurred_at_ms);
                CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
                CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
                CREATE TABLE audit_head (
                    singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
                    last_id INTEGER NOT NULL,
                    last_hash TEXT NOT NULL,
                    count INTEGER NOT NULL
                );
                """)
    }

    /// Usage per team, user, key and UTC day; counters are added to, never rewritten.
    private static func createUsage(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE usage_daily (
                    day TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    team_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    requests INTEGER NOT NULL DEFAULT 0,
                    prompt_tokens INTEGER NOT NULL DEFAULT 0,
                    completion_tokens INTEGER NOT NULL DEFAULT 0,
                    cache_hits INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (team_id, day, user_id, key_id)
                );
                CREATE INDEX usage_by_organization_day ON usage_daily(organization_id, day);
                """)
    }

    /// Retention by age: a prune deletes the oldest records and chains a checkpoint naming the
    /// last deleted record and its hash; the head remembers where the remaining chain starts
    /// (`first_id`, and the `prev_hash` that record must carry).
    private static func addAuditRetention(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE audit_records ADD COLUMN pruned_through_id INTEGER;
                ALTER TABLE audit_records ADD COLUMN pruned_through_hash TEXT;
                ALTER TABLE audit_head ADD COLUMN first_id INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE audit_head ADD COLUMN first_prev_hash TEXT NOT NULL
                    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
                """)
    }

    /// A key's own limits (the team's apply as well), and security alerts: brute force,
    /// cross-team attempts, revoked-key use, role escalation. An alert names a key by its
    /// display prefix only, never the key; like the audit trail it outlives what it names.
    private static func createKeyLimitsAndAlerts(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE key_limits (
                    key_id TEXT PRIMARY KEY NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
                    requests_per_minute INTEGER CHECK (requests_per_minute > 0),
                    tokens_per_minute INTEGER CHECK (tokens_per_minute > 0),
                    max_concurrent INTEGER CHECK (max_concurrent > 0)
                );
                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY NOT NULL,
                    occurred_at_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    address TEXT,
                    organization_id TEXT,
                    team_id TEXT,
                    key_prefix TEXT,
                    detail TEXT NOT NULL
                );
                CREATE INDEX alerts_by_time ON alerts(occurred_at_ms);
                CREATE INDEX alerts_by_organization_time ON alerts(organization_id, occurred_at_ms);
                CREATE INDEX alerts_by_team_time ON alerts(team_id, occurred_at_ms);
                """)
    }

    /// Users belong to organizations (one user may be in several): an organization's admins
    /// see and add only its users, and a user name is unique within each organization rather
    /// than across the platform (the users table is rebuilt without its global UNIQUE; foreign
    /// keys are off while a migration runs). Existing users join the organizations of their
    /// memberships, org admin appointments and keys.
    ///
    /// A rotated key keeps its old secret's hash until the grace period the rotation chose
    /// ends. A cross-team alert also names the team and organization it reached for, so their
    /// admins see it.
    private static func addOrganizationUsersAndKeyRotation(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE organization_users (
                    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (organization_id, user_id)
                );
                CREATE INDEX organization_users_by_user ON organization_users(user_id);

                CREATE TABLE users_v10 (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL COLLATE NOCASE,
                    email TEXT,
                    created_at DATETIME NOT NULL
                );
                INSERT INTO users_v10 (id, name, email, created_at) SELECT id, name, email, created_at FROM users;
                DROP TABLE users;
                ALTER TABLE users_v10 RENAME TO users;
                CREATE INDEX users_by_name ON users(name);
                INSERT OR IGNORE INTO organization_users (organization_id, user_id, created_at)
                    SELECT t.organization_id, m.user_id, m.created_at
                    FROM team_members m JOIN teams t ON t.id = m.team_id;
                INSERT OR IGNORE INTO organization_users (organization_id, user_id, created_at)
                    SELECT organization_id, user_id, created_at FROM organization_admins;
                INSERT OR IGNORE INTO organization_users (organization_id, user_id, created_at)
                    SELECT organization_id, user_id, created_at FROM api_keys WHERE organization_id IS NOT NULL;

                ALTER TABLE api_keys ADD COLUMN previous_hash TEXT CHECK (length(previous_hash) = 64);
                ALTER TABLE api_keys ADD COLUMN previous_hash_expires_at DATETIME;
                CREATE UNIQUE INDEX api_keys_by_previous_hash ON api_keys(previous_hash);

                ALTER TABLE alerts ADD COLUMN target_organization_id TEXT;
                ALTER TABLE alerts ADD COLUMN target_team_id TEXT;
                CREATE INDEX alerts_by_target_organization_time ON alerts(target_organization_id, occurred_at_ms);
                CREATE INDEX alerts_by_target_team_time ON alerts(target_team_id, occurred_at_ms);
                """)
    }

    /// Every audit record keeps the address its request came from (hashed when present).
    private static func addAuditClientAddress(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE audit_records ADD COLUMN client_address TEXT")
    }

    /// What a stage noticed about an allowed request (a guardrail's `flag`), in its record.
    private static func addAuditFlags(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE audit_records ADD COLUMN flags TEXT")
    }

    /// Which key made a key's current secret by rotating it, and which made the previous one
    /// (while its grace lasts): they saw those secrets, so the cascades that revoke what a
    /// removed holder's keys minted revoke what they rotated too. `NULL`: the key's minter
    /// (`created_by`) or the key itself. And which key made an alert destination: it goes in
    /// the same cascades (`NULL`: made before this was kept). The cascades walk these columns
    /// down a key's line: indexed, or each step of the walk reads every key of the platform
    /// (a line of 6,000 keys held every tenant's writes for 22 s).
    private static func addMakersOfAccess(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE api_keys ADD COLUMN rotated_by TEXT;
                ALTER TABLE api_keys ADD COLUMN previous_rotated_by TEXT;
                ALTER TABLE alert_destinations ADD COLUMN created_by TEXT;
                CREATE INDEX api_keys_by_creator ON api_keys(created_by);
                CREATE INDEX api_keys_by_rotator ON api_keys(rotated_by);
                CREATE INDEX api_keys_by_previous_rotator ON api_keys(previous_rotated_by);
                CREATE INDEX alert_destinations_by_creator ON alert_destinations(created_by);
                """)
    }

    /// A team's share weight under contention (1: the default share).
    private static func addTeamWeights(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE team_limits ADD COLUMN weight REAL NOT NULL DEFAULT 1")
    }

    /// Webhooks that receive security alerts, and the deliveries still to make. A destination
    /// belongs to an organization (`NULL`: platform-wide, the owner's) and may narrow itself to
    /// some kinds (comma-separated; empty: all) and teams. `secret` signs deliveries, so it is
    /// kept as is (unlike API keys); it is never listed. A team row has no foreign key to
    /// `teams` on purpose: if its team went away, the destination must match nothing rather
    /// than silently widen to the whole organization. Deliveries outlive nothing: deleting a
    /// destination drops its queue; a delivery leaves the queue when it succeeds or is given up.
    private static func createAlertDestinations(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE alert_destinations (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    name TEXT,
                    kinds TEXT NOT NULL DEFAULT '',
                    secret TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    last_attempt_at_ms INTEGER,
                    last_success_at_ms INTEGER,
                    last_error_at_ms INTEGER,
                    last_error TEXT,
                    last_error_status INTEGER,
                    abandoned INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX alert_destinations_by_organization ON alert_destinations(organization_id);
                CREATE TABLE alert_destination_teams (
                    destination_id TEXT NOT NULL REFERENCES alert_destinations(id) ON DELETE CASCADE,
                    team_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    PRIMARY KEY (destination_id, team_id)
                );
                CREATE TABLE alert_deliveries (
                    id INTEGER PRIMARY KEY NOT NULL,
                    destination_id TEXT NOT NULL REFERENCES alert_destinations(id) ON DELETE CASCADE,
                    alert_id INTEGER NOT NULL REFERENCES alerts(id),
                    audience_organization_id TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at_ms INTEGER NOT NULL,
                    created_at_ms INTEGER NOT NULL
                );
                CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at_ms);
                CREATE INDEX alert_deliveries_by_destination ON alert_deliveries(destination_id);
                """)
    }
}
