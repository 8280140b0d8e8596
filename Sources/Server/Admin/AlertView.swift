import Foundation
import Store

/// `GET /v1/admin/alerts` rows: never a key, only its display prefix. A cross-team attempt
/// names the team it reached for (`target_team_id`) to that team's side only.
struct AlertView: Encodable {
    let record: AlertRecord

    enum CodingKeys: String, CodingKey {
        case id, kind, address, detail
        case occurredAt = "occurred_at"
        case organizationID = "org_id"
        case teamID = "team_id"
        case keyPrefix = "key_prefix"
        case targetOrganizationID = "target_org_id"
        case targetTeamID = "target_team_id"
    }

    func encode(to encoder: any Encoder) throws {
        let alert = record.alert
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(alert.occurredAt, forKey: .occurredAt)
        try container.encode(alert.kind.rawValue, forKey: .kind)
        try container.encode(alert.address, forKey: .address)
        try container.encode(alert.organizationID?.rawValue, forKey: .organizationID)
        try container.encode(alert.teamID?.rawValue, forKey: .teamID)
        try container.encode(alert.keyPrefix, forKey: .keyPrefix)
        try container.encode(alert.detail, forKey: .detail)
        try container.encode(alert.targetOrganizationID?.rawValue, forKey: .targetOrganizationID)
        try container.encode(alert.targetTeamID?.rawValue, forKey: .targetTeamID)
    }
}
