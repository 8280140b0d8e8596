import Foundation
import Tenancy

/// One link of the audit chain, as stored.
public struct AuditRecord: Sendable, Hashable {
    /// Consecutive from 1, in append order.
    public let id: Int64
    /// Whole milliseconds (the stored precision).
    public let occurredAt: Date
    public let requestID: String?
    public let keyID: APIKeyID?
    public let keyPrefix: String?
    public let userID: UserID?
    public let organizationID: OrganizationID?
    public let teamID: TeamID?
    public let action: String
    public let resource: String
    public let allowed: Bool
    /// The ``DenialReason`` code of a denial.
    public let reason: String?
    /// The query text as kept by the ``QueryTextPolicy`` in force when written.
    public let query: String?
    public let promptTokens: Int
    public let completionTokens: Int
    public let latencyMilliseconds: Int
    public let cacheHit: Bool
    public let sources: [String]
    /// The previous record's ``hash`` (64 zeros for the first record).
    public let previousHash: String
    /// SHA-256 of ``canonicalContent``, which includes ``previousHash``.
    public let hash: String
    /// Set only on the checkpoint a retention prune writes: which records it deleted and the
    /// hash of the last of them, where the remaining chain now starts.
    public internal(set) var checkpoint: AuditCheckpoint? = nil
    /// The address the request came from. Hashed only when present, so records written
    /// before addresses were kept still verify.
    public internal(set) var clientAddress: String? = nil
    /// What a stage noticed without refusing (``AuditEntry/flags``). Hashed only when there
    /// are any, so earlier records still verify.
    public internal(set) var flags: [String] = []

    /// The record (all but ``hash``) as canonical JSON: the bytes that are hashed.
    public var canonicalContent: String {
        CanonicalJSON.object(canonicalFields)
    }

    /// The hashed fields. A checkpoint's two fields are present only on checkpoints, so the
    /// hashes of records written before retention existed stay valid.
    private var canonicalFields: [String: CanonicalJSON.Value] {
        var fields: [String: CanonicalJSON.Value] = [
            "id": .integer(id),
            "occurred_at_ms": .integer(occurredAt.millisecondsSince1970),
            "request_id": .optional(requestID),
            "key_id": .optional(keyID?.rawValue),
            "key_prefix": .optional(keyPrefix),
            "user_id": .optional(userID?.rawValue),
            "organization_id": .optional(organizationID?.rawValue),
            "team_id": .optional(teamID?.rawValue),
            "action": .string(action),
            "resource": .string(resource),
            "decision": .string(allowed ? "allow" : "deny"),
            "reason": .optional(reason),
            "query": .optional(query),
            "prompt_tokens": .integer(Int64(promptTokens)),
            "completion_tokens": .integer(Int64(completionTokens)),
            "latency_ms": .integer(Int64(latencyMilliseconds)),
            "cache_hit": .boolean(cacheHit),
            "sources": .strings(sources),
            "prev_hash": .string(previousHash),
        ]
        if let clientAddress { fields["client_address"] = .string(clientAddress) }
        if !flags.isEmpty { fields["flags"] = .strings(flags) }
        if let checkpoint {
            fields["pruned_through_id"] = .integer(checkpoint.throughID)
            fields["pruned_through_hash"] = .string(checkpoint.throughHash)
        }
        return fields
    }

    /// The record as one line of `atrium audit export`: its canonical content plus its
    /// ``hash``, so anyone can check a line by removing `hash`, serializing the rest with
    /// sorted keys and no spaces, and taking the SHA-256.
    public var exportLine: String {
        var fields = canonicalFields
        fields["hash"] = .string(hash)
        return CanonicalJSON.object(fields)
    }

    /// What ``hash`` must be for the record's current content.
    public var expectedHash: String { SHA256Hex.of(canonicalContent) }
}

extension Date {
    /// Whole milliseconds since 1970 (nearest, so a stored value reads back unchanged): the
    /// precision audit and usage keep.
    ///
    /// Saturating, never trapping: the HTTP boundary already refuses instants outside
    /// 1970…9999, and a date that still got past it must not be able to stop the process.
    var millisecondsSince1970: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite else { return milliseconds.isNaN ? 0 : (milliseconds < 0 ? .min : .max) }
        return Int64(exactly: milliseconds) ?? (milliseconds < 0 ? .min : .max)
    }

    init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
