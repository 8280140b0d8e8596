import Foundation
import Gateway
import Store
import Tenancy

/// `{"object": "list", "data": [...]}`.
struct ListView<Element: Encodable>: Encodable {
    let object = "list"
    let data: [Element]
}

struct OrganizationView: Encodable {
    let id: String
    let name: String
    let createdAt: Date

    init(_ organization: Organization) {
        id = organization.id.rawValue
        name = organization.name
        createdAt = organization.createdAt
    }

    enum CodingKeys: String, CodingKey { case id, name, createdAt = "created_at" }
}

struct TeamView: Encodable {
    let id: String
    let organizationID: String
    let name: String
    let createdAt: Date

    init(_ team: Team) {
        id = team.id.rawValue
        organizationID = team.organizationID.rawValue
        name = team.name
        createdAt = team.createdAt
    }

    enum CodingKeys: String, CodingKey { case id, name, organizationID = "org", createdAt = "created_at" }
}

struct UserView: Encodable {
    let id: String
    let name: String
    let email: String?
    let createdAt: Date

    init(_ user: User) {
        id = user.id.rawValue
        name = user.name
        email = user.email
        createdAt = user.createdAt
    }

    enum CodingKeys: String, CodingKey { case id, name, email, createdAt = "created_at" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

struct MembershipView: Encodable {
    let user: String
    let team: String?
    let role: String

    init(_ membership: Membership) {
        user = membership.userID.rawValue
        team = membership.binding.teamID?.rawValue
        role = membership.role.rawValue
    }
}

/// A key as listings show it: everything but the secret, which is never stored; `created_by`
/// is the key that minted it (its maker saw the secret).
struct KeyView: Encodable {
    let record: APIKeyRecord
    let now: Date

    enum CodingKeys: String, CodingKey {
        case id, prefix, name, role, user, org, team, status
        case createdAt = "created_at"
        case createdBy = "created_by"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id.rawValue, forKey: .id)
        try container.encode(record.prefix, forKey: .prefix)
        try container.encode(record.name, forKey: .name)
        try container.encode(record.role.rawValue, forKey: .role)
        try container.encode(record.userID.rawValue, forKey: .user)
        try container.encode(record.binding.organizationID?.rawValue, forKey: .org)
        try container.encode(record.binding.teamID?.rawValue, forKey: .team)
        try container.encode(record.status(at: now).rawValue, forKey: .status)
        try container.encode(record.createdAt, forKey: .createdAt)
        try container.encode(record.createdBy?.rawValue, forKey: .createdBy)
        try container.encode(record.expiresAt, forKey: .expiresAt)
        try container.encode(record.lastUsedAt, forKey: .lastUsedAt)
        try container.encode(record.revokedAt, forKey: .revokedAt)
    }
}

/// A freshly minted key: the only response that ever contains the secret; with the key's
/// own limits.
struct IssuedKeyView: Encodable {
    let issued: IssuedKey
    let now: Date
    /// The key's own limits as stored (inherited from the minting key where none were asked).
    var limits: KeyLimits { issued.limits }

    enum CodingKeys: String, CodingKey { case key, limits }

    func encode(to encoder: any Encoder) throws {
        try KeyView(record: issued.record, now: now).encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(issued.secret.revealed, forKey: .key)
        try container.encode(limits, forKey: .limits)
    }
}

/// `GET /v1/admin/audit/verify`: `{"intact","records","first_break":{"id","problem","message"}|null}`.
struct AuditVerificationView: Encodable {
    let verification: AuditVerification

    enum CodingKeys: String, CodingKey {
        case intact, records
        case firstBreak = "first_break"
    }

    enum BreakKeys: String, CodingKey {
        case id, problem, message
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(verification.isIntact, forKey: .intact)
        try container.encode(verification.intactRecords, forKey: .records)
        guard let broken = verification.firstBreak else {
            try container.encodeNil(forKey: .firstBreak)
            return
        }
        var nested = container.nestedContainer(keyedBy: BreakKeys.self, forKey: .firstBreak)
        try nested.encode(broken.recordID, forKey: .id)
        try nested.encode(broken.problem.rawValue, forKey: .problem)
        try nested.encode(broken.description, forKey: .message)
    }
}

struct AuditRecordView: Encodable {
    let record: AuditRecord

    enum CodingKeys: String, CodingKey {
        case id, action, resource, decision, reason, query, sources, hash
        case occurredAt = "occurred_at"
        case requestID = "request_id"
        case keyID = "key_id"
        case keyPrefix = "key_prefix"
        case userID = "user_id"
        case organizationID = "org_id"
        case teamID = "team_id"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case latency = "latency_ms"
        case cacheHit = "cache_hit"
        case previousHash = "prev_hash"
        case clientAddress = "client_address"
        case flags
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(record.occurredAt, forKey: .occurredAt)
        try container.encode(record.requestID, forKey: .requestID)
        try container.encode(record.keyID?.rawValue, forKey: .keyID)
        try container.encode(record.keyPrefix, forKey: .keyPrefix)
        try container.encode(record.userID?.rawValue, forKey: .userID)
        try container.encode(record.organizationID?.rawValue, forKey: .organizationID)
        try container.encode(record.teamID?.rawValue, forKey: .teamID)
        try container.encode(record.action, forKey: .action)
        try container.encode(record.resource, forKey: .resource)
        try container.encode(record.allowed ? "allow" : "deny", forKey: .decision)
        try container.encode(record.reason, forKey: .reason)
        try container.encode(record.query, forKey: .query)
        try container.encode(record.promptTokens, forKey: .promptTokens)
        try container.encode(record.completionTokens, forKey: .completionTokens)
        try container.encode(record.latencyMilliseconds, forKey: .latency)
        try container.encode(record.cacheHit, forKey: .cacheHit)
        try container.encode(record.sources, forKey: .sources)
        try container.encode(record.previousHash, forKey: .previousHash)
        try container.encode(record.clientAddress, forKey: .clientAddress)
        try container.encode(record.flags, forKey: .flags)
        try container.encode(record.hash, forKey: .hash)
    }
}

struct UsageView: Encodable {
    let row: UsageRow

    enum CodingKeys: String, CodingKey {
        case day, requests
        case organizationID = "org_id"
        case teamID = "team_id"
        case userID = "user_id"
        case keyID = "key_id"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case cacheHits = "cache_hits"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(row.day, forKey: .day)
        try container.encode(row.organizationID.rawValue, forKey: .organizationID)
        try container.encode(row.teamID.rawValue, forKey: .teamID)
        try container.encode(row.userID.rawValue, forKey: .userID)
        try container.encode(row.keyID.rawValue, forKey: .keyID)
        try container.encode(row.requests, forKey: .requests)
        try container.encode(row.promptTokens, forKey: .promptTokens)
        try container.encode(row.completionTokens, forKey: .completionTokens)
        try container.encode(row.totalTokens, forKey: .totalTokens)
        try container.encode(row.cacheHits, forKey: .cacheHits)
    }
}
