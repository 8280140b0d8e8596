import Foundation
import Store
import Tenancy

/// The JSON body of one alert delivery: what the alert's record shows to the admins of the
/// destination's organization (or, platform-wide, to the owner) — ids, codes and the client
/// address, never a key (only its display prefix), a prompt or document text.
///
/// ```json
/// {"type":"atrium.alert","id":42,"kind":"cross_team_attempt","occurred_at":"2026-12-04T19:00:00.000Z",
///  "org":"org_…","team":"team_…","key_prefix":"atr_AbCdEfGh","address":"203.0.113.9",
///  "detail":"profile.read refused"}
/// ```
///
/// An organization that receives an alert raised by another organization's key (a cross-team
/// attempt aimed at it) sees what was attempted and when, not who: the other tenant's
/// organization, team, key prefix and address are left out.
struct AlertPayload: Encodable {
    let type = "atrium.alert"
    let id: Int64
    let kind: String
    let occurredAt: String
    let organization: String?
    let team: String?
    let keyPrefix: String?
    let address: String?
    let detail: String

    enum CodingKeys: String, CodingKey {
        case type, id, kind, detail, address
        case occurredAt = "occurred_at"
        case organization = "org"
        case team
        case keyPrefix = "key_prefix"
    }

    init(_ record: AlertRecord, audience: OrganizationID?) {
        let alert = record.alert
        // The owner's destinations, and the raising key's own organization, see the whole record.
        let ownView = audience == nil || audience == alert.organizationID
        id = record.id
        kind = alert.kind.rawValue
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        occurredAt = format.string(from: alert.occurredAt)
        organization = ownView ? alert.organizationID?.rawValue : audience?.rawValue
        // The targeted organization sees which of its own teams was reached for.
        team = ownView ? alert.teamID?.rawValue : (audience == alert.targetOrganizationID ? alert.targetTeamID?.rawValue : nil)
        keyPrefix = ownView ? alert.keyPrefix : nil
        address = ownView ? alert.address : nil
        detail = alert.detail
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(organization, forKey: .organization)
        try container.encode(team, forKey: .team)
        try container.encode(keyPrefix, forKey: .keyPrefix)
        try container.encode(address, forKey: .address)
        try container.encode(detail, forKey: .detail)
    }

    /// The body's bytes (keys sorted, so the same alert always signs the same way).
    func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
