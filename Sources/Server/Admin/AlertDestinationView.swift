import Foundation
import Gateway
import Store
import Tenancy

/// `POST …/alert-destinations`: `{"url", "name"?, "kinds"?: [kind], "teams"?: [team]}`.
struct AlertDestinationBody: Decodable {
    let url: String
    let name: String?
    let kinds: [String]?
    let teams: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable { case url, name, kinds, teams }

    /// An unknown field is refused: a misspelt `teams` would send every team's alerts.
    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        kinds = try container.decodeIfPresent([String].self, forKey: .kinds)
        teams = try container.decodeIfPresent([String].self, forKey: .teams)
    }

    var order: AlertDestinationOrder {
        AlertDestinationOrder(url: url, name: name, kinds: kinds ?? [], teams: teams ?? [])
    }
}

/// A destination as listed: where it sends, what it takes and how delivery goes. The signing
/// secret only in the answer to its creation (`secret` non-nil), never in a listing.
struct AlertDestinationView: Encodable {
    let destination: AlertDestination
    let status: AlertDeliveryStatus
    let secret: String?

    init(_ listing: AlertDestinationListing) {
        destination = listing.destination
        status = listing.status
        secret = nil
    }

    init(created: CreatedAlertDestination) {
        destination = created.destination
        status = AlertDeliveryStatus()
        secret = created.secret.revealed
    }

    enum CodingKeys: String, CodingKey {
        case id, org, url, name, kinds, teams, delivery, secret
        case createdAt = "created_at"
    }

    enum DeliveryKeys: String, CodingKey {
        case pending, abandoned
        case lastAttemptAt = "last_attempt_at"
        case lastSuccessAt = "last_success_at"
        case lastErrorAt = "last_error_at"
        case lastError = "last_error"
        case lastErrorStatus = "last_error_status"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(destination.id.rawValue, forKey: .id)
        try container.encode(destination.organizationID?.rawValue, forKey: .org)
        try container.encode(destination.url.description, forKey: .url)
        try container.encode(destination.name, forKey: .name)
        try container.encode(destination.kinds.map(\.rawValue).sorted(), forKey: .kinds)
        try container.encode(destination.teams.map(\.rawValue).sorted(), forKey: .teams)
        try container.encode(destination.createdAt, forKey: .createdAt)
        var delivery = container.nestedContainer(keyedBy: DeliveryKeys.self, forKey: .delivery)
        try delivery.encode(status.lastAttemptAt, forKey: .lastAttemptAt)
        try delivery.encode(status.lastSuccessAt, forKey: .lastSuccessAt)
        try delivery.encode(status.lastErrorAt, forKey: .lastErrorAt)
        try delivery.encode(status.lastError, forKey: .lastError)
        try delivery.encode(status.lastErrorStatus, forKey: .lastErrorStatus)
        try delivery.encode(status.pending, forKey: .pending)
        try delivery.encode(status.abandoned, forKey: .abandoned)
        try container.encodeIfPresent(secret, forKey: .secret)
    }
}
