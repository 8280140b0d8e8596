import Foundation
import Tenancy

/// The audit trail: one record per request, allowed or denied; append-only and hash-chained.
///
/// Each record holds the previous record's hash and the SHA-256 of its own canonical content
/// (which includes that previous hash), so editing, deleting or reordering records with raw
/// SQL is found by ``verify()``. Database triggers refuse UPDATE and DELETE outright.
///
/// Several processes may append to one PostgreSQL database at once and still build one chain:
/// an append reads the head and writes the next links inside one write transaction, and
/// those are serialized by the database (the writers' lock, and the head row's lock), never
/// by this process's memory.
public struct AuditLog: Sendable {
    let backend: any StoreBackend
    /// How much query text new records keep.
    public let queryText: QueryTextPolicy

    /// Chains `entry` onto the log and returns the stored record.
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> AuditRecord {
        try await append(contentsOf: [entry])[0]
    }

    /// Chains `entries` onto the log, in order, in one transaction (one disk sync for all:
    /// how a busy server keeps up), and returns the stored records.
    @discardableResult
    public func append(contentsOf entries: [AuditEntry]) async throws -> [AuditRecord] {
        guard !entries.isEmpty else { return [] }
        let queryText = queryText
        return try await backend.write { db in try Self.appendChained(entries, queryText: queryText, db) }
    }

    /// Chains `entries` onto the log inside the caller's (administrative) write transaction.
    static func appendChained(
        _ entries: [AuditEntry], queryText: QueryTextPolicy, _ db: any SQLConnection
    ) throws -> [AuditRecord] {
        guard !entries.isEmpty else { return [] }
        var (lastID, lastHash, count) = try Self.head(db)
        var records: [AuditRecord] = []
        records.reserveCapacity(entries.count)
        for entry in entries {
            let record = Self.record(for: entry, id: lastID + 1, previousHash: lastHash, queryText: queryText)
            try Self.insert(record, db)
            records.append(record)
            (lastID, lastHash, count) = (record.id, record.hash, count + 1)
        }
        try db.execute(
            """
            INSERT INTO audit_head (singleton, last_id, last_hash, count) VALUES (1, ?, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id,
                last_hash = excluded.last_hash, count = excluded.count
            """,
            [lastID, lastHash, count])
        return records
    }

    /// The records `principal` may read (`.readAudit` within its key's reach), newest first.
    /// Records of unauthenticated requests belong to no team: only the owner sees them.
    public func records(visibleTo principal: Principal, filter: AuditFilter) async throws -> [AuditRecord] {
        guard let visible = Policy.visibility(of: principal, for: .readAudit).portableCondition() else { return [] }
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
        if let until = filter.until {
            conditions.append("occurred_at_ms < ?")
            arguments += [until.millisecondsSince1970]
        }
        let sql = "SELECT * FROM audit_records WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?"
        let queryArguments = arguments + [filter.limit]
        return try await backend.read { db in try db.fetchAll(sql, queryArguments).map { try $0.auditRecord() } }
    }

    /// Walks the chain from its first record (or the first one a retention prune kept) and
    /// names the first broken one: content that no longer matches its hash, a link to the
    /// wrong predecessor, a missing id, a head that records more than is there (records cut
    /// off the end), or a start that no checkpoint accounts for (records deleted from the
    /// beginning).
    public func verify() async throws -> AuditVerification {
        try await backend.read { db in try Self.verifyChain(db) }
    }

    /// The records from `id` on (exclusive) in chain order, for export: `since` inclusive,
    /// `until` exclusive, at most `limit`. Operators with access to the file read it all.
    public func chain(after id: Int64, since: Date? = nil, until: Date? = nil, limit: Int = 1000) async throws
        -> [AuditRecord]
    {
        var conditions = ["id > ?"]
        var arguments: SQLArguments = [id]
        if let since {
            conditions.append("occurred_at_ms >= ?")
            arguments += [since.millisecondsSince1970]
        }
        if let until {
            conditions.append("occurred_at_ms < ?")
            arguments += [until.millisecondsSince1970]
        }
        let sql = "SELECT * FROM audit_records WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?"
        let queryArguments = arguments + [limit]
        return try await backend.read { db in try db.fetchAll(sql, queryArguments).map { try $0.auditRecord() } }
    }

    /// The last link: from the head row, or (if the head row was lost) the last record. On
    /// PostgreSQL the head row stays locked until the caller's write transaction ends.
    static func head(_ db: any SQLConnection) throws -> (id: Int64, hash: String, count: Int64) {
        let locking = db.dialect == .postgres ? " FOR UPDATE" : ""
        if let head = try db.fetchOne("SELECT * FROM audit_head WHERE singleton = 1" + locking) {
            return try (
                head.decode(forColumn: "last_id"), head.decode(forColumn: "last_hash"), head.decode(forColumn: "count")
            )
        }
        if let last = try db.fetchOne("SELECT id, hash FROM audit_records ORDER BY id DESC LIMIT 1") {
            let id: Int64 = try last.decode(forColumn: "id")
            return try (id, last.decode(forColumn: "hash"), id)
        }
        return (0, SHA256Hex.genesis, 0)
    }

    private static func record(
        for entry: AuditEntry, id: Int64, previousHash: String, queryText: QueryTextPolicy
    ) -> AuditRecord {
        let unhashed = AuditRecord(
            id: id,
            occurredAt: Date(millisecondsSince1970: entry.occurredAt.millisecondsSince1970),
            requestID: entry.requestID,
            keyID: entry.identity?.keyID,
            keyPrefix: entry.identity?.keyPrefix,
            userID: entry.identity?.userID ?? entry.person?.user,
            organizationID: entry.identity == nil ? entry.person?.organization : entry.identity?.binding.organizationID,
            teamID: entry.identity?.binding.teamID,
            action: entry.action,
            resource: entry.resource,
            allowed: entry.decision.isAllowed,
            reason: entry.decision.denialReason?.rawValue,
            query: queryText.apply(to: entry.query),
            promptTokens: entry.promptTokens,
            completionTokens: entry.completionTokens,
            latencyMilliseconds: entry.latencyMilliseconds,
            cacheHit: entry.cacheHit,
            sources: entry.sources,
            previousHash: previousHash,
            hash: "",
            clientAddress: entry.clientAddress,
            flags: entry.flags)
        return unhashed.withHash(unhashed.expectedHash)
    }

    static func insert(_ record: AuditRecord, _ db: any SQLConnection) throws {
        // The writer inserts thousands of records a second: SQLite caches the statement.
        try db.execute(
            """
            INSERT INTO audit_records (id, occurred_at_ms, request_id, key_id, key_prefix, user_id,
                organization_id, team_id, action, resource, decision, reason, query, prompt_tokens,
                completion_tokens, latency_ms, cache_hit, sources, prev_hash, hash, pruned_through_id,
                pruned_through_hash, client_address, flags)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                record.id, record.occurredAt.millisecondsSince1970, db.exactText(record.requestID),
                record.keyID?.rawValue, db.exactText(record.keyPrefix), record.userID?.rawValue,
                record.organizationID?.rawValue, record.teamID?.rawValue, db.exactText(record.action),
                db.exactText(record.resource), record.allowed ? "allow" : "deny", db.exactText(record.reason),
                db.exactText(record.query), record.promptTokens, record.completionTokens,
                record.latencyMilliseconds, SQLValue.bool(record.cacheHit),
                db.exactText(try Self.encodeSources(record.sources)), record.previousHash, record.hash,
                record.checkpoint?.throughID, record.checkpoint?.throughHash, db.exactText(record.clientAddress),
                db.exactText(record.flags.isEmpty ? nil : try Self.encodeSources(record.flags)),
            ])
    }

    static func encodeSources(_ sources: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(sources), as: UTF8.self)
    }
}
