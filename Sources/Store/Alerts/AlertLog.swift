import Foundation
import Tenancy

/// Security alerts, kept like the audit trail: appended, read within what the reader may see
/// (the owner everything, including alerts about no team at all; an org admin its
/// organization's; a team admin its team's).
///
/// On PostgreSQL every replica appends to and reads the one table, so an alert raised through
/// one replica is listed (and delivered) through all of them.
public struct AlertLog: Sendable {
    let backend: any StoreBackend

    /// Appends `alert` and returns it with its id; queues its deliveries to every alert
    /// destination that receives it (``AlertDeliveryQueue``).
    @discardableResult
    public func record(_ alert: Alert) async throws -> AlertRecord {
        try await backend.write { db in try Self.append(alert, db) }
    }

    /// ``record(_:)`` inside a transaction that writes more (a budget's warning, in the
    /// accounting batch that passed its share).
    @discardableResult
    static func append(_ alert: Alert, _ db: any SQLConnection) throws -> AlertRecord {
        let id = try db.fetchValue(
            Int64.self,
            """
            INSERT INTO alerts (occurred_at_ms, kind, address, organization_id, team_id, key_prefix, detail,
                target_organization_id, target_team_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """,
            [
                alert.occurredAt.millisecondsSince1970, alert.kind.rawValue, alert.address,
                alert.organizationID?.rawValue, alert.teamID?.rawValue, alert.keyPrefix, alert.detail,
                alert.targetOrganizationID?.rawValue, alert.targetTeamID?.rawValue,
            ])
        guard let id else { throw StoreError.corruptRow(table: "alerts", problem: "no id returned") }
        let record = AlertRecord(id: id, alert: alert)
        // Its deliveries to the destinations that receive it, in the same transaction.
        try AlertDeliveryQueue.enqueue(db, record, now: Date())
        return record
    }

    /// The alerts `principal` may read (`.readAlerts` within its key's reach), newest first:
    /// those raised by keys within its reach, and cross-team attempts on what is within it.
    public func alerts(visibleTo principal: Principal, filter: AlertFilter) async throws -> [AlertRecord] {
        let visibility = Policy.visibility(of: principal, for: .readAlerts)
        guard let raised = visibility.portableCondition(),
            let targeted = visibility.portableCondition(
                organizationColumn: "target_organization_id", teamColumn: "target_team_id")
        else { return [] }
        var conditions = ["((\(raised.sql)) OR (\(targeted.sql)))"]
        var arguments = raised.arguments + targeted.arguments
        if let team = filter.team {
            conditions.append("(team_id = ? OR target_team_id = ?)")
            arguments += [team.rawValue, team.rawValue]
        }
        if let since = filter.since {
            conditions.append("occurred_at_ms >= ?")
            arguments += [since.millisecondsSince1970]
        }
        if let until = filter.until {
            conditions.append("occurred_at_ms < ?")
            arguments += [until.millisecondsSince1970]
        }
        if let before = filter.before {
            conditions.append("id < ?")
            arguments += [before]
        }
        let sql = "SELECT * FROM alerts WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?"
        let queryArguments = arguments + [filter.limit]
        return try await backend.read { db in
            try db.fetchAll(sql, queryArguments).map { try $0.alertRecord().seen(by: visibility) }
        }
    }
}

extension AlertRecord {
    /// The record as `visibility` may read it: each side of a cross-team attempt (the key that
    /// tried, the team it reached for) keeps its ids only for readers within that side's reach.
    func seen(by visibility: Visibility) -> AlertRecord {
        func sees(_ organization: OrganizationID?, _ team: TeamID?) -> Bool {
            switch visibility {
            case .nothing: false
            case .everything: true
            case let .organization(id): organization == id
            case let .team(own): team == own.id && organization == own.organizationID
            }
        }
        let raised = sees(alert.organizationID, alert.teamID)
        let targeted = sees(alert.targetOrganizationID, alert.targetTeamID)
        guard !(raised && targeted) else { return self }
        let full = alert
        let redacted = Alert(
            occurredAt: full.occurredAt, kind: full.kind, address: raised ? full.address : nil,
            organizationID: raised ? full.organizationID : nil, teamID: raised ? full.teamID : nil,
            keyPrefix: raised ? full.keyPrefix : nil, detail: full.detail,
            targetOrganizationID: targeted ? full.targetOrganizationID : nil,
            targetTeamID: targeted ? full.targetTeamID : nil)
        return AlertRecord(id: id, alert: redacted)
    }
}

extension SQLRow {
    func alertRecord() throws -> AlertRecord {
        let kindText: String = try decode(forColumn: "kind")
        guard let kind = AlertKind(rawValue: kindText) else {
            throw StoreError.corruptRow(table: "alerts", problem: "unknown kind '\(kindText)'")
        }
        let alert = try Alert(
            occurredAt: Date(millisecondsSince1970: decode(forColumn: "occurred_at_ms")),
            kind: kind,
            address: decode(String?.self, forColumn: "address"),
            organizationID: decode(String?.self, forColumn: "organization_id").map(OrganizationID.init(rawValue:)),
            teamID: decode(String?.self, forColumn: "team_id").map(TeamID.init(rawValue:)),
            keyPrefix: decode(String?.self, forColumn: "key_prefix"),
            detail: decode(String.self, forColumn: "detail"),
            targetOrganizationID: decode(String?.self, forColumn: "target_organization_id")
                .map(OrganizationID.init(rawValue:)),
            targetTeamID: decode(String?.self, forColumn: "target_team_id").map(TeamID.init(rawValue:)))
        return try AlertRecord(id: decode(forColumn: "id"), alert: alert)
    }
}
