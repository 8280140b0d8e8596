extension PostgresSchema {
    /// The audit log, as SQLite's `v4-audit`, `v6-audit-retention`, `v12-audit-client-address`
    /// and `v15-audit-flags` left it. The columns SQLite keeps through ``ExactText`` (text a
    /// client chose, which may hold NUL) are `BYTEA` here: PostgreSQL text cannot hold NUL, and
    /// a record must read back exactly as it was hashed.
    ///
    /// Appends are serialized in the database, never in a process: every write holds the
    /// writers' advisory lock (``PostgresBackend/writerLock``) and an append locks the head row
    /// too, so replicas appending at once still build one chain. Triggers refuse UPDATE,
    /// DELETE and TRUNCATE (a retention prune lifts the delete trigger inside its own
    /// transaction). Row-level security: a tenant transaction reads its own team's records and
    /// writes none; only administrative transactions (the accounting writer, verification,
    /// retention) append, and only they see the head.
    static var audit: String {
        """
        CREATE TABLE audit_records (
            id BIGINT PRIMARY KEY,
            occurred_at_ms BIGINT NOT NULL,
            request_id BYTEA,
            key_id TEXT COLLATE "C",
            key_prefix BYTEA,
            user_id TEXT COLLATE "C",
            organization_id TEXT COLLATE "C",
            team_id TEXT COLLATE "C",
            action BYTEA NOT NULL,
            resource BYTEA NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
            reason BYTEA,
            query BYTEA,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            latency_ms BIGINT NOT NULL,
            cache_hit BOOLEAN NOT NULL,
            sources BYTEA NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            pruned_through_id BIGINT,
            pruned_through_hash TEXT,
            client_address BYTEA,
            flags BYTEA
        );
        CREATE INDEX audit_by_team_time ON audit_records (team_id, occurred_at_ms);
        CREATE INDEX audit_by_organization_time ON audit_records (organization_id, occurred_at_ms);
        CREATE FUNCTION atrium_audit_append_only() RETURNS trigger LANGUAGE plpgsql
            AS 'BEGIN RAISE EXCEPTION ''audit records are append-only''; END';
        CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
            FOR EACH ROW EXECUTE FUNCTION atrium_audit_append_only();
        CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
            FOR EACH ROW EXECUTE FUNCTION atrium_audit_append_only();
        CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
            FOR EACH STATEMENT EXECUTE FUNCTION atrium_audit_append_only();
        CREATE TABLE audit_head (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            last_id BIGINT NOT NULL,
            last_hash TEXT NOT NULL,
            count BIGINT NOT NULL,
            first_id BIGINT NOT NULL DEFAULT 1,
            first_prev_hash TEXT NOT NULL
                DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
        );
        ALTER TABLE audit_records ENABLE ROW LEVEL SECURITY;
        ALTER TABLE audit_records FORCE ROW LEVEL SECURITY;
        CREATE POLICY atrium_tenant_reads ON audit_records FOR SELECT
            USING (\(administration) OR \(ownTeam("team_id")));
        CREATE POLICY atrium_administration ON audit_records
            USING (\(administration)) WITH CHECK (\(administration));
        \(secure("audit_head", visible: administration))
        """
    }
}
