import Foundation
import Tenancy

extension UsageLedger {
    /// The usage `principal` may read (`.readUsage` within its key's reach), added up per
    /// team, user, key or day, in the order of the group's id (days oldest first).
    public func summary(visibleTo principal: Principal, filter: UsageFilter = UsageFilter(), groupedBy grouping: UsageGrouping)
        async throws -> [UsageSummary]
    {
        let visibility = Policy.visibility(of: principal, for: .readUsage)
        guard let visible = visibility.portableCondition(organizationColumn: "u.organization_id", teamColumn: "u.team_id") else {
            return []
        }
        return try await summary(where: visible, filter: filter, groupedBy: grouping)
    }

    /// Every team's usage, added up: for `atrium usage`, which runs on the server's host with
    /// the database file in hand and so sees what the file holds — the owner's view. Servers
    /// answer ``summary(visibleTo:filter:groupedBy:)`` only.
    public func summaryForOperator(filter: UsageFilter = UsageFilter(), groupedBy grouping: UsageGrouping) async throws
        -> [UsageSummary]
    {
        try await summary(where: ("TRUE", []), filter: filter, groupedBy: grouping)
    }

    private func summary(
        where visible: (sql: String, arguments: SQLArguments), filter: UsageFilter, groupedBy grouping: UsageGrouping
    ) async throws -> [UsageSummary] {
        var conditions = [visible.sql]
        var arguments = visible.arguments
        if let team = filter.team {
            conditions.append("u.team_id = ?")
            arguments += [team.rawValue]
        }
        if let since = filter.since {
            conditions.append("u.day >= ?")
            arguments += [UTCDay.day(of: since)]
        }
        if let until = filter.until {
            conditions.append("u.day <= ?")
            arguments += [UTCDay.day(of: until)]
        }
        let sql = """
            SELECT \(Self.groupColumns(grouping)),
                SUM(u.requests) AS requests, SUM(u.prompt_tokens) AS prompt_tokens,
                SUM(u.completion_tokens) AS completion_tokens, SUM(u.cache_hits) AS cache_hits
            FROM usage_daily u \(Self.joins(grouping))
            WHERE \(conditions.joined(separator: " AND "))
            GROUP BY \(grouping.column) ORDER BY \(grouping.column)
            """
        let queryArguments = arguments
        return try await backend.read { db in
            try db.fetchAll(sql, queryArguments).map { try $0.usageSummary(grouping) }
        }
    }

    /// The columns constant over a group (a key belongs to one team and user; a team to one
    /// organization), and the names that label it.
    private static func groupColumns(_ grouping: UsageGrouping) -> String {
        switch grouping {
        case .day: "u.day AS day"
        case .team: "u.team_id AS team_id, MIN(u.organization_id) AS organization_id, MIN(t.name) AS team_name"
        case .user: "u.user_id AS user_id, MIN(p.name) AS user_name"
        case .key:
            """
            u.key_id AS key_id, MIN(k.prefix) AS key_prefix, MIN(u.team_id) AS team_id,
            MIN(u.organization_id) AS organization_id, MIN(u.user_id) AS user_id
            """
        }
    }

    private static func joins(_ grouping: UsageGrouping) -> String {
        switch grouping {
        case .day: ""
        case .team: "LEFT JOIN teams t ON t.id = u.team_id"
        case .user: "LEFT JOIN users p ON p.id = u.user_id"
        case .key: "LEFT JOIN api_keys k ON k.id = u.key_id"
        }
    }
}

extension SQLRow {
    fileprivate func usageSummary(_ grouping: UsageGrouping) throws -> UsageSummary {
        func optional(_ column: String) throws -> String? {
            hasColumn(column) ? try decode(String?.self, forColumn: column) : nil
        }
        return try UsageSummary(
            grouping: grouping,
            day: optional("day"),
            organizationID: optional("organization_id").map(OrganizationID.init(rawValue:)),
            teamID: optional("team_id").map(TeamID.init(rawValue:)),
            teamName: optional("team_name"),
            userID: optional("user_id").map(UserID.init(rawValue:)),
            userName: optional("user_name"),
            keyID: optional("key_id").map(APIKeyID.init(rawValue:)),
            keyPrefix: optional("key_prefix"),
            requests: decode(forColumn: "requests"),
            promptTokens: decode(forColumn: "prompt_tokens"),
            completionTokens: decode(forColumn: "completion_tokens"),
            cacheHits: decode(forColumn: "cache_hits"))
    }
}
