extension PostgresSchema {
    /// Signed-in console sessions, as SQLite's `v16-console-sessions`: a session dies with its
    /// key. Sign-in and sign-out are administrative paths (the console authenticates the key
    /// hash itself), so no tenant transaction sees a session.
    static var consoleSessions: String {
        """
        CREATE TABLE console_sessions (
            token_hash TEXT COLLATE "C" PRIMARY KEY CHECK (length(token_hash) = 64),
            key_id TEXT COLLATE "C" NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
            key_hash TEXT COLLATE "C" NOT NULL CHECK (length(key_hash) = 64),
            created_at_ms BIGINT NOT NULL,
            last_seen_at_ms BIGINT NOT NULL,
            expires_at_ms BIGINT NOT NULL
        );
        CREATE INDEX console_sessions_by_key ON console_sessions (key_id);
        CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at_ms);
        \(secure("console_sessions", visible: administration))
        """
    }
}
