import Foundation
import Tenancy

extension AuditRecord {
    /// The same record with its hash filled in.
    func withHash(_ hash: String) -> AuditRecord {
        AuditRecord(
            id: id, occurredAt: occurredAt, requestID: requestID, keyID: keyID, keyPrefix: keyPrefix, userID: userID,
            organizationID: organizationID, teamID: teamID, action: action, resource: resource, allowed: allowed,
            reason: reason, query: query, promptTokens: promptTokens, completionTokens: completionTokens,
            latencyMilliseconds: latencyMilliseconds, cacheHit: cacheHit, sources: sources,
            previousHash: previousHash, hash: hash, checkpoint: checkpoint, clientAddress: clientAddress, flags: flags)
    }
}

extension SQLRow {
    func auditRecord() throws -> AuditRecord {
        let decision = try decode(String.self, forColumn: "decision")
        let sourcesText = try decode(String.self, forColumn: "sources")
        guard decision == "allow" || decision == "deny",
            let sources = try? JSONDecoder().decode([String].self, from: Data(sourcesText.utf8))
        else { throw StoreError.corruptRow(table: "audit_records", problem: "bad decision or sources") }
        return try AuditRecord(
            id: decode(forColumn: "id"),
            occurredAt: Date(millisecondsSince1970: decode(forColumn: "occurred_at_ms")),
            requestID: decode(String?.self, forColumn: "request_id"),
            keyID: decode(String?.self, forColumn: "key_id").map(APIKeyID.init(rawValue:)),
            keyPrefix: decode(String?.self, forColumn: "key_prefix"),
            userID: decode(String?.self, forColumn: "user_id").map(UserID.init(rawValue:)),
            organizationID: decode(String?.self, forColumn: "organization_id").map(OrganizationID.init(rawValue:)),
            teamID: decode(String?.self, forColumn: "team_id").map(TeamID.init(rawValue:)),
            action: decode(String.self, forColumn: "action"),
            resource: decode(String.self, forColumn: "resource"),
            allowed: decision == "allow",
            reason: decode(String?.self, forColumn: "reason"),
            query: decode(String?.self, forColumn: "query"),
            promptTokens: decode(forColumn: "prompt_tokens"),
            completionTokens: decode(forColumn: "completion_tokens"),
            latencyMilliseconds: decode(forColumn: "latency_ms"),
            cacheHit: decode(forColumn: "cache_hit"),
            sources: sources,
            previousHash: decode(forColumn: "prev_hash"),
            hash: decode(forColumn: "hash"),
            checkpoint: checkpoint(),
            clientAddress: decode(String?.self, forColumn: "client_address"),
            flags: flags())
    }

    /// The flags column: NULL (no flags, and every record before it existed) or a JSON array.
    private func flags() throws -> [String] {
        guard let text = try decode(String?.self, forColumn: "flags") else { return [] }
        guard let flags = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw StoreError.corruptRow(table: "audit_records", problem: "bad flags")
        }
        return flags
    }

    private func checkpoint() throws -> AuditCheckpoint? {
        guard let id = try decode(Int64?.self, forColumn: "pruned_through_id") else { return nil }
        guard let hash = try decode(String?.self, forColumn: "pruned_through_hash") else {
            throw StoreError.corruptRow(table: "audit_records", problem: "a checkpoint without the pruned record's hash")
        }
        return AuditCheckpoint(throughID: id, throughHash: hash)
    }
}
