import Foundation
import Gateway
import Tenancy

// Every body here refuses a field it does not know (`Decoder.refuseFields(except:)`): a
// misspelt optional field would otherwise be read as absent — a key without its expiry, a
// budget for the whole team instead of one user.

/// `{"name": "…"}` (organizations, teams, collections).
struct NameBody: Decodable {
    let name: String

    enum CodingKeys: String, CodingKey, CaseIterable { case name }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
    }
}

/// `POST /v1/admin/users`: `{"name", "email"?, "org"?}` (`org`: by default the caller's).
struct UserBody: Decodable {
    let name: String
    let email: String?
    let org: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, email, org }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        org = try container.decodeIfPresent(String.self, forKey: .org)
    }
}

/// `POST /v1/admin/keys/{id}/rotate`: `{"grace_seconds": N}`, how long the old secret still works.
struct RotateKeyBody: Decodable {
    let graceSeconds: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case graceSeconds = "grace_seconds"
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        graceSeconds = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .graceSeconds)
    }
}

/// `PUT /v1/admin/teams/{team}/members/{user}`: `{"role": "admin"|"member"|"viewer"}`.
struct RoleBody: Decodable {
    let role: String

    enum CodingKeys: String, CodingKey, CaseIterable { case role }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        role = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .role)
    }
}

/// `POST /v1/admin/keys`: `{"user", "team"?, "org"?, "role"?, "name"?, "expires_at"?, "limits"?}`;
/// `expires_at` is an ISO 8601 instant or Unix seconds; `limits` is
/// `{"requests_per_minute", "tokens_per_minute", "max_concurrent"}`, each optional.
struct KeyBody: Decodable {
    let order: KeyIssueOrder

    enum CodingKeys: String, CodingKey, CaseIterable {
        case user, team, org, role, name, limits
        case expiresAt = "expires_at"
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        order = KeyIssueOrder(
            user: try container.decode(String.self, forKey: .user),
            team: try container.decodeIfPresent(String.self, forKey: .team),
            organization: try container.decodeIfPresent(String.self, forKey: .org),
            role: try container.decodeIfPresent(String.self, forKey: .role),
            name: try container.decodeIfPresent(String.self, forKey: .name),
            expiresAt: try Self.instant(container, .expiresAt),
            limits: try container.decodeIfPresent(KeyLimits.self, forKey: .limits) ?? .unlimited)
    }

    private static func instant(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date? {
        guard try !container.isNullOrAbsent(key) else { return nil }
        let date: Date?
        if let seconds = try? container.decode(Double.self, forKey: key) {
            date = Instant.bounded(seconds)
        } else {
            date = Instant.parse(try container.decode(String.self, forKey: key))
        }
        guard let date else {
            throw GatewayError.invalid("'expires_at' must be \(Instant.expected)", param: "expires_at")
        }
        return date
    }
}

extension KeyedDecodingContainer {
    /// Whether `key` is missing or `null`.
    func isNullOrAbsent(_ key: Key) throws -> Bool {
        guard contains(key) else { return true }
        return try decodeNil(forKey: key)
    }
}
