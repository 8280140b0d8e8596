import Foundation
import GRDB
import Tenancy

/// Console sessions (migration `v16-console-sessions`). A session row dies with its key
/// (`ON DELETE CASCADE`); revocation, expiry and rotation of the key end it too, because the
/// console authenticates the stored key hash on every request. On PostgreSQL (`pg9-console-
/// sessions`) every replica reads the same sessions: a sign-in through one is signed in at all.
public struct ConsoleSessionRepository: Sendable {
    let backend: any StoreBackend

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE console_sessions (
                    token_hash TEXT PRIMARY KEY NOT NULL CHECK (length(token_hash) = 64),
                    key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
                    key_hash TEXT NOT NULL CHECK (length(key_hash) = 64),
                    created_at_ms INTEGER NOT NULL,
                    last_seen_at_ms INTEGER NOT NULL,
                    expires_at_ms INTEGER NOT NULL
                );
                CREATE INDEX console_sessions_by_key ON console_sessions(key_id);
                CREATE INDEX console_sessions_by_expiry ON console_sessions(expires_at_ms);
                """)
    }

    /// The most sessions one key holds; signing in once more ends its oldest.
    public static let maximumSessionsPerKey = 16

    public func insert(_ session: ConsoleSession) async throws {
        try await backend.write { db in
            try db.execute(
                """
                DELETE FROM console_sessions WHERE key_id = ? AND token_hash NOT IN (
                    SELECT token_hash FROM console_sessions WHERE key_id = ?
                    ORDER BY created_at_ms DESC, token_hash LIMIT ?)
                """,
                [session.keyID.rawValue, session.keyID.rawValue, Self.maximumSessionsPerKey - 1])
            try db.execute(
                """
                INSERT INTO console_sessions (token_hash, key_id, key_hash, created_at_ms, last_seen_at_ms,
                    expires_at_ms)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    session.tokenHash, session.keyID.rawValue, session.keyHash.hex,
                    Self.milliseconds(session.createdAt),
                    Self.milliseconds(session.lastSeenAt), Self.milliseconds(session.expiresAt),
                ])
        }
    }

    /// The session whose token hashes to `tokenHash`, if it is stored (expired or not: the
    /// caller decides, so that it can audit why a session ended).
    public func session(tokenHash: String) async throws -> ConsoleSession? {
        try await backend.read { db in
            guard let row = try db.fetchOne("SELECT * FROM console_sessions WHERE token_hash = ?", [tokenHash]) else {
                return nil
            }
            guard let keyHash = APIKeyHash(hex: try row.decode(String.self, forColumn: "key_hash")) else {
                throw StoreError.corruptRow(table: "console_sessions", problem: "key_hash is not 64 hex digits")
            }
            return try ConsoleSession(
                tokenHash: row.decode(forColumn: "token_hash"),
                keyID: APIKeyID(rawValue: row.decode(forColumn: "key_id")), keyHash: keyHash,
                createdAt: Self.date(row.decode(forColumn: "created_at_ms")),
                lastSeenAt: Self.date(row.decode(forColumn: "last_seen_at_ms")),
                expiresAt: Self.date(row.decode(forColumn: "expires_at_ms")))
        }
    }

    /// Records a request made with the session (the idle timeout restarts).
    public func touch(tokenHash: String, at date: Date) async throws {
        _ = try await backend.write { db in
            try db.execute(
                "UPDATE console_sessions SET last_seen_at_ms = ? WHERE token_hash = ?",
                [Self.milliseconds(date), tokenHash])
        }
    }

    /// Ends a session (sign-out, expiry); `true` if it existed.
    @discardableResult
    public func delete(tokenHash: String) async throws -> Bool {
        try await backend.write { db in
            try db.execute("DELETE FROM console_sessions WHERE token_hash = ?", [tokenHash]) > 0
        }
    }

    /// Drops sessions past their expiry or idle since before `idleSince`; the number dropped.
    @discardableResult
    public func deleteEnded(at date: Date, idleSince: Date) async throws -> Int {
        try await backend.write { db in
            try db.execute(
                "DELETE FROM console_sessions WHERE expires_at_ms <= ? OR last_seen_at_ms < ?",
                [Self.milliseconds(date), Self.milliseconds(idleSince)])
        }
    }

    /// How many sessions the key has (a test and the sign-in's cap read it).
    public func count(keyID: APIKeyID) async throws -> Int {
        try await backend.read { db in
            try db.fetchValue(Int.self, "SELECT count(*) FROM console_sessions WHERE key_id = ?", [keyID.rawValue]) ?? 0
        }
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
