import Foundation
import Testing
@testable import Store
import Tenancy

/// Retention by age and export: a prune deletes the oldest records and leaves a chained
/// checkpoint, after which the chain still verifies and every edit, deletion or reordering of
/// what remains is still named; an export lists each record with its hash and its link.
@Suite struct AuditRetentionTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Appends `count` sales chats, one a day from `start` (record n on day n-1).
    func appendDaily(_ world: StoreWorld, count: Int, from first: Int = 0) async throws {
        for day in first..<(first + count) {
            try await world.store.audit.append(
                AuditEntry(
                    principal: world.salesMember, action: .chat, resource: world.sales.resource, decision: .allow,
                    occurredAt: Self.day(day), query: "question \(day)"))
        }
    }

    static func day(_ number: Int) -> Date { start.addingTimeInterval(Double(number) * 86_400) }

    /// Ten daily records pruned at day 5: records 1–5 go, the checkpoint is record 11.
    func prunedWorld(_ backend: StoreBackendKind) async throws -> StoreWorld {
        let world = try await StoreWorld.make(backend)
        try await appendDaily(world, count: 10)
        let fifth = try await world.auditHash(of: 5)
        let pruning = try await world.store.audit.prune(olderThan: Self.day(5), now: Self.day(10))
        #expect(pruning.deletedRecords == 5)
        let checkpoint = try #require(pruning.checkpointRecord)
        #expect(checkpoint.id == 11 && checkpoint.action == AuditLog.pruneAction)
        #expect(checkpoint.checkpoint == AuditCheckpoint(throughID: 5, throughHash: fifth))
        return world
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aPrunedChainStillVerifies(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 6, firstBreak: nil))
        let remaining = try await world.store.audit.chain(after: 0)
        #expect(remaining.map(\.id) == Array(6...11))
        try await appendDaily(world, count: 2, from: 10)
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 8, firstBreak: nil))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func nothingOldEnoughPrunesNothing(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendDaily(world, count: 3)
        let pruning = try await world.store.audit.prune(olderThan: Self.day(0))
        #expect(pruning == AuditPruning(deletedRecords: 0, checkpointRecord: nil))
        #expect(try await world.store.audit.chain(after: 0).count == 3)
        #expect(try await world.store.audit.verify().isIntact)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aSecondPruneTakesTheFirstCheckpointWithIt(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await appendDaily(world, count: 3, from: 20)
        let second = try await world.store.audit.prune(olderThan: Self.day(15), now: Self.day(30))
        #expect(second.deletedRecords == 6, "records 6–10 and the first checkpoint")
        #expect(second.checkpointRecord?.checkpoint?.throughID == 11)
        #expect(try await world.store.audit.chain(after: 0).map(\.id) == [12, 13, 14, 15])
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 4, firstBreak: nil))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func pruningEverythingLeavesTheCheckpointAsTheWholeChain(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendDaily(world, count: 4)
        let pruning = try await world.store.audit.prune(olderThan: Self.day(100), now: Self.day(100))
        #expect(pruning.deletedRecords == 4)
        #expect(try await world.store.audit.chain(after: 0).map(\.id) == [5])
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 1, firstBreak: nil))
        try await appendDaily(world, count: 1, from: 101)
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 2, firstBreak: nil))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func anEditAfterAPruneIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await world.tamperWithAudit("UPDATE audit_records SET query = 'nothing to see' WHERE id = 7")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 7, problem: .contentAltered))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aDeletionAfterAPruneIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await world.tamperWithAudit("DELETE FROM audit_records WHERE id = 8")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 8, problem: .missing))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aReorderingAfterAPruneIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await world.tamperWithAudit(
            """
            UPDATE audit_records SET id = 100 WHERE id = 6;
            UPDATE audit_records SET id = 6 WHERE id = 9;
            UPDATE audit_records SET id = 9 WHERE id = 100;
            """)
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 6, problem: .contentAltered))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func deletingTheFirstKeptRecordIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await world.tamperWithAudit("DELETE FROM audit_records WHERE id = 6")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 6, problem: .missing))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func movingTheStartPastDeletedRecordsIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        let sixth = try await world.auditHash(of: 6)
        try await world.tamperWithAudit(
            """
            DELETE FROM audit_records WHERE id = 6;
            UPDATE audit_head SET first_id = 7, first_prev_hash = '\(sixth)';
            """)
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 6, problem: .missing))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func deletingTheCheckpointIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await appendDaily(world, count: 1, from: 11)
        try await world.tamperWithAudit("DELETE FROM audit_records WHERE id = 11")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 11, problem: .missing))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aForgedCheckpointIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        try await world.tamperWithAudit("UPDATE audit_records SET pruned_through_id = 7 WHERE id = 11")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 11, problem: .contentAltered))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aBrokenChainIsNeverPruned(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendDaily(world, count: 5)
        try await world.tamperWithAudit("UPDATE audit_records SET decision = 'deny' WHERE id = 2")
        await #expect(throws: AuditChainBroken(firstBreak: AuditBreak(recordID: 2, problem: .contentAltered))) {
            try await world.store.audit.prune(olderThan: Self.day(100))
        }
        #expect(try await world.store.audit.chain(after: 0).count == 5, "nothing was deleted")
    }

    @Test(arguments: StoreBackendKind.allCases)
    func theAppendOnlyTriggerIsBackAfterAPrune(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        for statement in ["DELETE FROM audit_records", "UPDATE audit_records SET query = NULL"] {
            await #expect(throws: (any Error).self, "\(statement)") {
                try await world.store.backend.write { db in try db.execute(statement) }
            }
        }
    }

    @Test(arguments: StoreBackendKind.allCases)
    func exportLinesCarryTheContentItsHashAndItsLink(_ backend: StoreBackendKind) async throws {
        let world = try await prunedWorld(backend)
        let records = try await world.store.audit.chain(after: 0)
        var previous = try #require(records.last?.checkpoint?.throughHash, "the first kept record follows the last deleted one")
        for record in records {
            let line = try #require(
                try JSONSerialization.jsonObject(with: Data(record.exportLine.utf8)) as? [String: Any])
            #expect(line["hash"] as? String == record.hash)
            #expect(line["prev_hash"] as? String == previous, "each line links to the one before")
            var content = line
            content["hash"] = nil
            let canonical = try #require(
                try JSONSerialization.jsonObject(with: Data(record.canonicalContent.utf8)) as? [String: Any])
            #expect(try Self.normalized(content) == Self.normalized(canonical), "a line is the hashed content plus the hash")
            previous = record.hash
        }
        let checkpointLine = try #require(records.last?.exportLine)
        #expect(checkpointLine.contains(#""pruned_through_id":5"#))
    }

    /// One JSON object written one way, to compare two parsed objects.
    static func normalized(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func exportPagesInChainOrderWithinATimeWindow(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendDaily(world, count: 10)
        let window = try await world.store.audit.chain(after: 0, since: Self.day(2), until: Self.day(8), limit: 4)
        #expect(window.map(\.id) == [3, 4, 5, 6])
        let next = try await world.store.audit.chain(after: 6, since: Self.day(2), until: Self.day(8), limit: 4)
        #expect(next.map(\.id) == [7, 8])
    }
}
