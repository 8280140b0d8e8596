import Foundation
import Tenancy

/// Team quotas and keys' own limits. Only a grant for `.setLimits` (owner, org admin) changes
/// a team's — never the team's own key; a key's are set when it is minted.
public struct LimitsRepository: Sendable {
    let backend: any StoreBackend

    /// The scope's team limits (unlimited until set).
    public func limits(in scope: TenantScope) async throws -> TeamLimits {
        try await backend.read(in: scope) { db in try Self.teamLimits(of: scope.team, db) }
    }

    /// Everything that limits a request made under `scope`: its team's limits and its key's,
    /// read together in one tenant transaction.
    public func requestLimits(in scope: TenantScope) async throws -> RequestLimits {
        try await backend.read(in: scope) { db in
            RequestLimits(
                team: try Self.teamLimits(of: scope.team, db), key: try Self.keyLimits(of: scope.principal.keyID, db),
                issuers: try Self.issuerLimits(of: scope.principal.keyID, db))
        }
    }

    /// The limits of the keys that minted `key`, down the line (attack round 6: a team admin
    /// under a key limit minted itself three keys and had four times the rate).
    static func issuerLimits(of key: APIKeyID, _ db: any SQLConnection) throws -> [APIKeyID: KeyLimits] {
        let rows = try db.fetchAll(
            KeyRepository.lineage + "\nSELECT * FROM key_limits WHERE key_id IN (SELECT id FROM lineage) AND key_id <> ?",
            [key.rawValue, key.rawValue])
        var issuers: [APIKeyID: KeyLimits] = [:]
        for row in rows {
            let limits = try KeyLimits(
                requestsPerMinute: row.decode(forColumn: "requests_per_minute"),
                tokensPerMinute: row.decode(forColumn: "tokens_per_minute"),
                maxConcurrent: row.decode(forColumn: "max_concurrent"))
            if !limits.isUnlimited { issuers[APIKeyID(rawValue: try row.decode(String.self, forColumn: "key_id"))] = limits }
        }
        return issuers
    }

    /// A key's own limits (unlimited when none were set).
    public func keyLimits(of key: APIKeyID) async throws -> KeyLimits {
        try await backend.read { db in try Self.keyLimits(of: key, db) }
    }

    static func keyLimits(of key: APIKeyID, _ db: any SQLConnection) throws -> KeyLimits {
        guard let row = try db.fetchOne("SELECT * FROM key_limits WHERE key_id = ?", [key.rawValue])
        else { return KeyLimits.unlimited }
        return try KeyLimits(
            requestsPerMinute: row.decode(forColumn: "requests_per_minute"),
            tokensPerMinute: row.decode(forColumn: "tokens_per_minute"),
            maxConcurrent: row.decode(forColumn: "max_concurrent"))
    }

    /// Stores a new key's limits, inside the transaction that inserts the key.
    static func insert(_ limits: KeyLimits, of key: APIKeyID, _ db: any SQLConnection) throws {
        guard !limits.isUnlimited else { return }
        try db.execute(
            """
            INSERT INTO key_limits (key_id, requests_per_minute, tokens_per_minute, max_concurrent)
            VALUES (?, ?, ?, ?)
            """,
            [key.rawValue, limits.requestsPerMinute, limits.tokensPerMinute, limits.maxConcurrent])
    }

    /// The granted team's limits (`.readLimits`).
    public func limits(_ grant: Grant) async throws -> TeamLimits {
        let team = try grant.team(for: .readLimits)
        return try await backend.read { db in try Self.teamLimits(of: team, db) }
    }

    /// Replaces the granted team's limits (`.setLimits`).
    public func set(_ limits: TeamLimits, _ grant: Grant, now: Date = Date()) async throws {
        let team = try grant.team(for: .setLimits)
        let updatedBy = grant.principal.keyID
        try await backend.write { db in
            try MembershipRepository.requireTeam(team, db)
            try db.execute(
                """
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
                [
                    team.id.rawValue, limits.requestsPerMinute, limits.tokensPerMinute, limits.maxConcurrent,
                    limits.monthlyTokens, limits.weight, updatedBy.rawValue, now,
                ])
        }
    }

    private static func teamLimits(of team: TeamReference, _ db: any SQLConnection) throws -> TeamLimits {
        let row = try db.fetchOne(
            """
            SELECT l.* FROM team_limits l JOIN teams t ON t.id = l.team_id
            WHERE l.team_id = ? AND t.organization_id = ?
            """,
            [team.id.rawValue, team.organizationID.rawValue])
        guard let row else { return TeamLimits.unlimited }
        return try TeamLimits(
            requestsPerMinute: row.decode(forColumn: "requests_per_minute"),
            tokensPerMinute: row.decode(forColumn: "tokens_per_minute"),
            maxConcurrent: row.decode(forColumn: "max_concurrent"),
            monthlyTokens: row.decode(forColumn: "monthly_tokens"),
            weight: row.decode(forColumn: "weight"))
    }
}
