import Foundation

extension AuditLog {
    /// The action of a retention checkpoint record.
    public static let pruneAction = "audit.prune"

    /// Retention by age: deletes the oldest records — the unbroken run from the start of the
    /// chain whose every record is older than `cutoff` — and chains a checkpoint record that
    /// names the last deleted record and its hash, so ``verify()`` still checks everything
    /// that remains and still catches any later edit, deletion or reordering.
    ///
    /// The whole chain is verified first, in the same transaction: a broken chain is never
    /// pruned, so retention cannot wash away the evidence of tampering.
    ///
    /// ```swift
    /// let pruning = try await store.audit.prune(olderThan: Date().addingTimeInterval(-90 * 86_400))
    /// print("deleted \(pruning.deletedRecords) records")
    /// ```
    /// - Throws: ``AuditChainBroken`` when the chain does not verify.
    @discardableResult
    public func prune(olderThan cutoff: Date, now: Date = Date()) async throws -> AuditPruning {
        try await backend.write { db in
            let verification = try Self.verifyChain(db)
            if let firstBreak = verification.firstBreak { throw AuditChainBroken(firstBreak: firstBreak) }
            guard let last = try Self.lastPrunable(before: cutoff, db) else { return AuditPruning(deletedRecords: 0, checkpointRecord: nil) }
            let deleted = try Self.deleteThrough(last.id, db)
            let checkpoint = try Self.appendCheckpoint(
                AuditCheckpoint(throughID: last.id, throughHash: last.hash), deleted: deleted, at: now, db)
            return AuditPruning(deletedRecords: deleted, checkpointRecord: checkpoint)
        }
    }

    /// The last record of the run at the start of the chain that is entirely older than `cutoff`.
    private static func lastPrunable(before cutoff: Date, _ db: any SQLConnection) throws -> (id: Int64, hash: String)? {
        let firstKept = try db.fetchValue(
            Int64.self, "SELECT MIN(id) FROM audit_records WHERE occurred_at_ms >= ?", [cutoff.millisecondsSince1970])
        let row = try firstKept.map {
            try db.fetchOne("SELECT id, hash FROM audit_records WHERE id < ? ORDER BY id DESC LIMIT 1", [$0])
        } ?? db.fetchOne("SELECT id, hash FROM audit_records ORDER BY id DESC LIMIT 1")
        guard let row else { return nil }
        return try (row.decode(forColumn: "id"), row.decode(forColumn: "hash"))
    }

    /// Deletes records up to `id`: the append-only trigger is lifted for this one statement,
    /// inside the prune's transaction, and put back before it commits (a rollback puts it back
    /// as well: both backends' DDL is transactional).
    private static func deleteThrough(_ id: Int64, _ db: any SQLConnection) throws -> Int {
        switch db.dialect {
        case .sqlite:
            try db.execute("DROP TRIGGER audit_records_no_delete")
            let deleted = try db.execute("DELETE FROM audit_records WHERE id <= ?", [id])
            try db.execute(appendOnlyDeleteTrigger)
            return deleted
        case .postgres:
            try db.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_delete")
            let deleted = try db.execute("DELETE FROM audit_records WHERE id <= ?", [id])
            try db.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_delete")
            return deleted
        }
    }

    /// The trigger of the `v4-audit` migration, word for word.
    static let appendOnlyDeleteTrigger = """
        CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        """

    /// Chains the checkpoint and moves the head's start past the deleted records.
    private static func appendCheckpoint(
        _ checkpoint: AuditCheckpoint, deleted: Int, at now: Date, _ db: any SQLConnection
    ) throws -> AuditRecord {
        let (lastID, lastHash, _) = try head(db)
        let unhashed = AuditRecord(
            id: lastID + 1, occurredAt: Date(millisecondsSince1970: now.millisecondsSince1970), requestID: nil,
            keyID: nil, keyPrefix: nil, userID: nil, organizationID: nil, teamID: nil, action: pruneAction,
            resource: "audit_records:\(checkpoint.throughID - Int64(deleted) + 1)-\(checkpoint.throughID)",
            allowed: true, reason: nil, query: nil, promptTokens: 0, completionTokens: 0, latencyMilliseconds: 0,
            cacheHit: false, sources: [], previousHash: lastHash, hash: "", checkpoint: checkpoint)
        let record = unhashed.withHash(unhashed.expectedHash)
        try insert(record, db)
        let remaining = try db.fetchValue(Int64.self, "SELECT COUNT(*) FROM audit_records") ?? 0
        try db.execute(
            """
            INSERT INTO audit_head (singleton, last_id, last_hash, count, first_id, first_prev_hash)
            VALUES (1, ?, ?, ?, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash,
                count = excluded.count, first_id = excluded.first_id, first_prev_hash = excluded.first_prev_hash
            """,
            [record.id, record.hash, remaining, checkpoint.throughID + 1, checkpoint.throughHash])
        return record
    }
}
