import Foundation
import GRDB
import Tenancy

/// Team quotas and keys' own limits. Only a grant for `.setLimits` (owner, org admin) changes
/// a team's — never the team's own key; a key's are set when it is minted.
public struct LimitsRepository: Sendable {
    let pool: DatabasePool

    /// The scope's team limits (unlimited until set).
    public func limits(in scope: TenantScope) async throws -> TeamLimits {
        try await current(of: scope.team)
    }

    /// Everything that limits a request made under `scope`: its team's limits and its key's.
    public func requestLimits(in scope: TenantScope) async throws -> RequestLimits {
        let team = try await current(of: scope.team)
        let key = try await keyLimits(of: scope.principal.keyID)
        return RequestLimits(team: team, key: key)
    }

    /// A key's own limits (unlimited when none were set).
    public func keyLimits(of key: APIKeyID) async throws -> KeyLimits {
        try await pool.read { db in try Self.keyLimits(of: key, db) }
    }

    static func keyLimits(of key: APIKeyID, _ db: Database) throws -> KeyLimits {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM key_limits WHERE key_id = ?", arguments: [key.rawValue])
        else { return KeyLimits.unlimited }
        return try KeyLimits(
            requestsPerMinute: row.decode(forColumn: "requests_per_minute"),
            tokensPerMinute: row.decode(forColumn: "tokens_per_minute"),
            maxConcurrent: row.decode(forColumn: "max_concurrent"))
    }

    /// Stores a new key's limits, inside the transaction that inserts the key.
    static func insert(_ limits: KeyLimits, of key: APIKeyID, _ db: Database) throws {
        guard !limits.isUnlimited else { return }
        try db.execute(
            sql: """
                INSERT INTO key_limits (key_id, requests_per_minute, tokens_per_minute, max_concurrent)
                VALUES (?, ?, ?, ?)
                """,
            arguments: [key.rawValue, limits.requestsPerMinute, limits.tokensPerMinute, limits.maxConcurrent])
    }

    /// The granted team's limits (`.readLimits`).
    public func limits(_ grant: Grant) async throws -> TeamLimits {
        try await current(of: grant.team(for: .readLimits))
    }

    /// Replaces the granted team's limits (`.setLimits`).
    public func set(_ limits: TeamLimits, _ grant: Grant, now: Date = Date()) async throws {
        let team = try grant.team(for: .setLimits)
        let updatedBy = grant.principal.keyID
        try await pool.write { db in
            try MembershipRepository.requireTeam(team, db)
            try db.execute(
                sql: """
                    INSERT INTO team_limits (team_id, requests_per_minute, tokens_per_minute, max_concurrent,
                        monthly_tokens, weight, updated_by_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (team_id) DO UPDATE SET
                        requests_per_minute = excluded.requests_per_minute,
                        tokens_per_minute = excluded.tokens_per_minute,
                        max_concurrent = excluded.max_concurrent,
                        monthly_tokens = excluded.monthly_tokens,
                        weight = excluded.weight,
                        updated_by_key = excluded.updated_by_key,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    team.id.rawValue, limits.requestsPerMinute, limits.tokensPerMinute, limits.maxConcurrent,
                    limits.monthlyTokens, limits.weight, updatedBy.rawValue, now,
                ])
        }
    }

    private func current(of team: TeamReference) async throws -> TeamLimits {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT l.* FROM team_limits l JOIN teams t ON t.id = l.team_id
                    WHERE l.team_id = ? AND t.organization_id = ?
                    """,
                arguments: [team.id.rawValue, team.organizationID.rawValue])
            guard let row else { return TeamLimits.unlimited }
            return try TeamLimits(
                requestsPerMinute: row.decode(forColumn: "requests_per_minute"),
                tokensPerMinute: row.decode(forColumn: "tokens_per_minute"),
                maxConcurrent: row.decode(forColumn: "max_concurrent"),
                monthlyTokens: row.decode(forColumn: "monthly_tokens"),
                weight: row.decode(forColumn: "weight"))
        }
    }
}
