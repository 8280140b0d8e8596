import Foundation
import Tenancy

/// Prompt and completion tokens, requests and cache hits per team, user, key and UTC day.
/// Written under the request's ``TenantScope``; read within what the reader may see.
public struct UsageLedger: Sendable {
    let backend: any StoreBackend

    /// Adds one request's usage to the scope's team, user and key for the day of `date`.
    public func record(_ delta: UsageDelta, in scope: TenantScope, at date: Date = Date()) async throws {
        try await record([UsageEntry(delta, in: scope, at: date)])
    }

    /// Adds many requests' usage in one transaction (one disk sync for all).
    public func record(_ entries: [UsageEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await backend.write { db in
            for entry in entries { try Self.add(entry, db) }
        }
    }

    static func add(_ entry: UsageEntry, _ db: any SQLConnection) throws {
        let principal = entry.scope.principal
        let delta = entry.delta
        try db.execute(
            """
            INSERT INTO usage_daily (day, organization_id, team_id, user_id, key_id,
                requests, prompt_tokens, completion_tokens, cache_hits)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, day, user_id, key_id) DO UPDATE SET
                requests = usage_daily.requests + excluded.requests,
                prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
                completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
                cache_hits = usage_daily.cache_hits + excluded.cache_hits
            """,
            [
                UTCDay.day(of: entry.date), entry.scope.organizationID.rawValue, entry.scope.teamID.rawValue,
                principal.userID.rawValue, principal.keyID.rawValue, delta.requests, delta.promptTokens,
                delta.completionTokens, delta.cacheHits,
            ])
    }

    /// Tokens (prompt + completion) the scope's team used in the UTC month containing `date`,
    /// for the `monthly_tokens` budget.
    public func monthlyTokens(in scope: TenantScope, containing date: Date = Date()) async throws -> Int {
        try await backend.read(in: scope) { db in
            try db.fetchValue(
                Int.self,
                """
                SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage_daily
                WHERE team_id = ? AND organization_id = ? AND day LIKE ?
                """,
                [scope.teamID.rawValue, scope.organizationID.rawValue, UTCDay.month(of: date) + "-%"]) ?? 0
        }
    }

    /// The rows `principal` may read (`.readUsage` within its key's reach), by day, team,
    /// user and key.
    public func report(visibleTo principal: Principal, filter: UsageFilter = UsageFilter()) async throws -> [UsageRow] {
        guard let visible = Policy.visibility(of: principal, for: .readUsage).portableCondition() else { return [] }
        var conditions = [visible.sql]
        var arguments = visible.arguments
        if let team = filter.team {
            conditions.append("team_id = ?")
            arguments += [team.rawValue]
        }
        if let since = filter.since {
            conditions.append("day >= ?")
            arguments += [UTCDay.day(of: since)]
        }
        if let until = filter.until {
            conditions.append("day <= ?")
            arguments += [UTCDay.day(of: until)]
        }
        let sql = "SELECT * FROM usage_daily WHERE \(conditions.joined(separator: " AND ")) ORDER BY day, team_id, user_id, key_id"
        let queryArguments = arguments
        return try await backend.read { db in
            try db.fetchAll(sql, queryArguments).map { row in
                try UsageRow(
                    day: row.decode(forColumn: "day"),
                    organizationID: OrganizationID(rawValue: row.decode(forColumn: "organization_id")),
                    teamID: TeamID(rawValue: row.decode(forColumn: "team_id")),
                    userID: UserID(rawValue: row.decode(forColumn: "user_id")),
                    keyID: APIKeyID(rawValue: row.decode(forColumn: "key_id")),
                    requests: row.decode(forColumn: "requests"),
                    promptTokens: row.decode(forColumn: "prompt_tokens"),
                    completionTokens: row.decode(forColumn: "completion_tokens"),
                    cacheHits: row.decode(forColumn: "cache_hits"))
            }
        }
    }
}
