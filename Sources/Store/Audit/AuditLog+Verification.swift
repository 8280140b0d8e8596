extension AuditLog {
    /// Where the chain starts: record 1 after the genesis hash, or — after a retention prune —
    /// the first record kept, after the hash of the last one deleted.
    struct ChainStart {
        let id: Int64
        let previousHash: String

        static let genesis = ChainStart(id: 1, previousHash: SHA256Hex.genesis)
    }

    /// Records read per statement while walking: the chain may be far larger than memory.
    static let verificationPage = 2000

    /// The walk behind ``verify()``, inside one read (or, for a prune, write) transaction: a
    /// read sees one snapshot throughout (SQLite's WAL reader, PostgreSQL's repeatable read),
    /// and a prune holds the writers' lock.
    static func verifyChain(_ db: any SQLConnection) throws -> AuditVerification {
        let head = try db.fetchOne("SELECT * FROM audit_head WHERE singleton = 1")
        let start = try head.map {
            try ChainStart(id: $0.decode(forColumn: "first_id"), previousHash: $0.decode(forColumn: "first_prev_hash"))
        } ?? .genesis
        var expectedID = start.id
        var expectedPrevious = start.previousHash
        var latestCheckpoint: (record: Int64, checkpoint: AuditCheckpoint)?
        var after = start.id - 1
        while true {
            let page = try db.fetchAll(
                "SELECT * FROM audit_records WHERE id > ? ORDER BY id LIMIT ?", [after, verificationPage])
            for row in page {
                let id: Int64 = try row.decode(forColumn: "id")
                let intact = Int(expectedID - start.id)
                guard id == expectedID else { return broken(expectedID, .missing, intact: intact) }
                guard let record = try? row.auditRecord(), record.hash == record.expectedHash else {
                    return broken(id, .contentAltered, intact: intact)
                }
                guard record.previousHash == expectedPrevious else { return broken(id, .chainBroken, intact: intact) }
                if let checkpoint = record.checkpoint { latestCheckpoint = (id, checkpoint) }
                expectedPrevious = record.hash
                expectedID += 1
            }
            guard page.count == verificationPage else { break }
            after = expectedID - 1
        }
        let lastID = expectedID - 1
        let walked = Int(expectedID - start.id)
        if let gap = unaccountedStart(start, latestCheckpoint: latestCheckpoint, walked: walked) { return gap }
        guard let head else {
            return lastID >= start.id ? broken(lastID, .headMismatch, intact: walked - 1) : intactChain(0)
        }
        let headID: Int64 = try head.decode(forColumn: "last_id")
        let headHash: String = try head.decode(forColumn: "last_hash")
        if headID > lastID { return broken(lastID + 1, .missing, intact: walked) }
        if headID < lastID || headHash != expectedPrevious { return broken(lastID, .headMismatch, intact: walked - 1) }
        return intactChain(walked)
    }

    /// A chain that starts after record 1 must have a checkpoint saying so, for exactly that
    /// start: otherwise records were deleted from the beginning (the first one no checkpoint
    /// covers is named), or the start was moved.
    private static func unaccountedStart(
        _ start: ChainStart, latestCheckpoint: (record: Int64, checkpoint: AuditCheckpoint)?, walked: Int
    ) -> AuditVerification? {
        guard start.id > 1 else { return nil }
        guard let (recordID, checkpoint) = latestCheckpoint else { return broken(1, .missing, intact: 0) }
        if checkpoint.throughID + 1 < start.id { return broken(checkpoint.throughID + 1, .missing, intact: 0) }
        guard checkpoint.throughID + 1 == start.id, checkpoint.throughHash == start.previousHash else {
            return broken(recordID, .headMismatch, intact: 0)
        }
        return nil
    }

    private static func broken(_ id: Int64, _ problem: AuditBreak.Problem, intact: Int) -> AuditVerification {
        AuditVerification(intactRecords: max(0, intact), firstBreak: AuditBreak(recordID: id, problem: problem))
    }

    private static func intactChain(_ records: Int) -> AuditVerification {
        AuditVerification(intactRecords: records, firstBreak: nil)
    }
}
