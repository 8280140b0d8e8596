import Foundation
import GRDB
import Tenancy

/// Security alerts, kept like the audit trail: appended, read within what the reader may see
/// (the owner everything, including alerts about no team at all; an org admin its
/// organization's; a team admin its team's).
public struct AlertLog: Sendable {
    let pool: DatabasePool

    /// Appends `alert` and returns it with its id; queues its deliveries to every alert
    /// destination that receives it (``AlertDeliveryQueue``).
    @discardableResult
    public func record(_ alert: Alert) async throws -> AlertRecord {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alerts (occurred_at_ms, kind, address, organization_id, team_id, key_prefix, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alert.occurredAt.millisecondsSince1970, alert.kind.rawValue, alert.address,
                    alert.organizationID?.rawValue, alert.teamID?.rawValue, alert.keyPrefix, alert.detail,
                ])
            let record = AlertRecord(id: db.lastInsertedRowID, alert: alert)
            // Its deliveries to the destinations that receive it, in the same transaction.
            try AlertDeliveryQueue.enqueue(db, record, now: Date())
            return record
        }
    }

    /// The alerts `principal` may read (`.readAlerts` within its key's reach), newest first.
    public func alerts(visibleTo principal: Principal, filter: AlertFilter) async throws -> [AlertRecord] {
        guard let visible = Policy.visibility(of: principal, for: .readAlerts).sqlCondition() else { return [] }
        var conditions = [visible.sql]
        var arguments = visible.arguments
        if let team = filter.team {
            conditions.append("team_id = ?")
            arguments += [team.rawValue]
        }
        if let since = filter.since {
            conditions.append("occurred_at_ms >= ?")
            arguments += [since.millisecondsSince1970]
        }
        let sql = "SELECT * FROM alerts WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?"
        let queryArguments = arguments + [filter.limit]
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: queryArguments).map { try $0.alertRecord() }
        }
    }
}

extension Row {
    func alertRecord() throws -> AlertRecord {
        let kindText: String = try decode(forColumn: "kind")
        guard let kind = AlertKind(rawValue: kindText) else {
            throw StoreError.corruptRow(table: "alerts", problem: "unknown kind '\(kindText)'")
        }
        let alert = try Alert(
            occurredAt: Date(millisecondsSince1970: decode(forColumn: "occurred_at_ms")),
            kind: kind,
            address: decode(forColumn: "address"),
            organizationID: decode(String?.self, forColumn: "organization_id").map(OrganizationID.init(rawValue:)),
            teamID: decode(String?.self, forColumn: "team_id").map(TeamID.init(rawValue:)),
            keyPrefix: decode(forColumn: "key_prefix"),
            detail: decode(forColumn: "detail"))
        return try AlertRecord(id: decode(forColumn: "id"), alert: alert)
    }
}
