import Foundation
import GRDB
import Tenancy

/// Team quotas. Only a grant for `.setLimits` (owner, org admin) changes them — never the
/// team's own key.
public struct LimitsRepository: Sendable {
    let pool: DatabasePool

    /// The scope's team limits (unlimited until set).
    public func limits(in scope: TenantScope) async throws -> TeamLimits {
        try await current(of: scope.team)
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
                        monthly_tokens, updated_by_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (team_id) DO UPDATE SET
                        requests_per_minute = excluded.requests_per_minute,
                        tokens_per_minute = excluded.tokens_per_minute,
                        max_concurrent = excluded.max_concurrent,
                        monthly_tokens = excluded.monthly_tokens,
                        updated_by_key = excluded.updated_by_key,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    team.id.rawValue, limits.requestsPerMinute, limits.tokensPerMinute, limits.maxConcurrent,
                    limits.monthlyTokens, updatedBy.rawValue, now,
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
                monthlyTokens: row.decode(forColumn: "monthly_tokens"))
        }
    }
}
