import Foundation
import GRDB
import Testing
@testable import Store
import Tenancy

/// The audit log: one record per request, chained, tamper-evident, read within reach.
@Suite struct AuditLogTests {
    /// Appends `count` allowed chat records for sales.
    func appendRecords(_ world: StoreWorld, count: Int) async throws {
        for index in 1...count {
            try await world.store.audit.append(
                AuditEntry(
                    principal: world.salesMember, action: .chat, resource: world.sales.resource,
                    decision: .allow, query: "question \(index)"))
        }
    }

    /// Runs raw SQL against the file after dropping the append-only triggers, as someone with
    /// write access to the file could.
    func tamper(_ world: StoreWorld, _ sql: String) throws {
        try world.rawConnection().write { db in
            try db.execute(sql: "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;")
            try db.execute(sql: sql)
        }
    }

    @Test func untouchedChainVerifies() async throws {
        let world = try await StoreWorld.make()
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 0, firstBreak: nil))
        try await appendRecords(world, count: 5)
        let verification = try await world.store.audit.verify()
        #expect(verification.isIntact)
        #expect(verification.intactRecords == 5)
    }

    @Test func editedRecordIsNamed() async throws {
        let world = try await StoreWorld.make()
        try await appendRecords(world, count: 5)
        try tamper(world, "UPDATE audit_records SET query = 'nothing to see' WHERE id = 3")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 3, problem: .contentAltered))
    }

    @Test func editWithRecomputedHashIsCaughtByTheNextLink() async throws {
        let world = try await StoreWorld.make()
        try await appendRecords(world, count: 5)
        let original = try #require(try await world.rawConnection().read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM audit_records WHERE id = 2")?.auditRecord()
        })
        let forged = AuditRecord(
            id: original.id, occurredAt: original.occurredAt, requestID: original.requestID, keyID: original.keyID,
            keyPrefix: original.keyPrefix, userID: original.userID, organizationID: original.organizationID,
            teamID: original.teamID, action: original.action, resource: original.resource, allowed: false,
            reason: "role_not_allowed", query: original.query, promptTokens: 0, completionTokens: 0,
            latencyMilliseconds: 0, cacheHit: false, sources: [], previousHash: original.previousHash, hash: "")
        try tamper(
            world,
            "UPDATE audit_records SET decision = 'deny', reason = 'role_not_allowed', hash = '\(forged.expectedHash)' WHERE id = 2")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 3, problem: .chainBroken))
    }

    @Test func deletedRecordIsNamed() async throws {
        let world = try await StoreWorld.make()
        try await appendRecords(world, count: 5)
        try tamper(world, "DELETE FROM audit_records WHERE id = 3")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 3, problem: .missing))
    }

    @Test func reorderedRecordsAreNamed() async throws {
        let world = try await StoreWorld.make()
        try await appendRecords(world, count: 5)
        try tamper(
            world,
            """
            UPDATE audit_records SET id = 100 WHERE id = 2;
            UPDATE audit_records SET id = 2 WHERE id = 4;
            UPDATE audit_records SET id = 4 WHERE id = 100;
            """)
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 2, problem: .contentAltered))
    }

    @Test func recordsCutOffTheEndAreNamed() async throws {
        let world = try await StoreWorld.make()
        try await appendRecords(world, count: 5)
        try tamper(world, "DELETE FROM audit_records WHERE id >= 4")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 4, problem: .missing))
    }

    @Test func appendOnlyTriggersRefuseUpdateAndDelete() async throws {
        let world = try await StoreWorld.make()
        try await appendRecords(world, count: 2)
        let raw = try world.rawConnection()
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "UPDATE audit_records SET query = NULL") } }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "DELETE FROM audit_records") } }
        #expect(try await world.store.audit.verify().isIntact)
    }

    @Test(arguments: [QueryTextPolicy.full, .hash, .none])
    func queryTextIsKeptPerPolicy(policy: QueryTextPolicy) async throws {
        let world = try await StoreWorld.make(queryText: policy)
        let record = try await world.store.audit.append(
            AuditEntry(principal: world.salesMember, action: .chat, resource: world.sales.resource, decision: .allow, query: "abc"))
        switch policy {
        case .full: #expect(record.query == "abc")
        case .hash: #expect(record.query == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        case .none: #expect(record.query == nil)
        }
        #expect(try await world.store.audit.verify().isIntact)
    }

    @Test func denialOfARevokedKeyNamesTheKeyTeamAndReason() async throws {
        let world = try await StoreWorld.make()
        try await world.store.keys.revoke(
            world.salesMember.keyID, Policy.authorize(world.salesAdmin, .revokeKey, on: world.sales.resource))
        do {
            _ = try await world.store.keys.authenticated(world.keys["bob"]!)
            Issue.record("a revoked key authenticated")
        } catch let failure as AuthenticationFailure {
            let record = try await world.store.audit.append(AuditEntry(failure: failure, action: "chat", resource: "team"))
            #expect(!record.allowed)
            #expect(record.reason == "revoked_key")
            #expect(record.keyID == world.salesMember.keyID)
            #expect(record.teamID == world.sales.id)
        }
    }

    @Test func keyOfSalesCannotReadDevelopmentAudit() async throws {
        let world = try await StoreWorld.make()
        let all = try AuditFilter()
        for principal in [world.salesMember, world.developmentAdmin, world.researchMember] {
            try await world.store.audit.append(
                AuditEntry(principal: principal, action: .chat, resource: principal.binding.resource, decision: .allow))
        }
        let crossTeam = try AuditFilter(team: world.development.id)
        #expect(try await world.store.audit.records(visibleTo: world.salesAdmin, filter: crossTeam).isEmpty)
        let own = try await world.store.audit.records(visibleTo: world.salesAdmin, filter: all)
        #expect(own.map(\.teamID) == [world.sales.id])
        #expect(try await world.store.audit.records(visibleTo: world.salesMember, filter: all).isEmpty)
    }

    @Test func orgAdminSeesItsTeamsAndOwnerSeesEverything() async throws {
        let world = try await StoreWorld.make()
        for principal in [world.salesMember, world.developmentAdmin, world.researchMember] {
            try await world.store.audit.append(
                AuditEntry(principal: principal, action: .chat, resource: principal.binding.resource, decision: .allow))
        }
        try await world.store.audit.append(
            AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey)))
        let all = try AuditFilter()
        let acme = try await world.store.audit.records(visibleTo: world.acmeAdmin, filter: all)
        #expect(Set(acme.compactMap(\.teamID)) == [world.sales.id, world.development.id])
        #expect(acme.count == 2)
        let everything = try await world.store.audit.records(visibleTo: world.owner, filter: all)
        #expect(everything.count == 4)
        #expect(everything.first?.reason == "unknown_key")
    }

    @Test func readsFilterByTimeAndLimitNewestFirst() async throws {
        let world = try await StoreWorld.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for minute in 0..<5 {
            try await world.store.audit.append(
                AuditEntry(
                    principal: world.salesMember, action: .chat, resource: world.sales.resource, decision: .allow,
                    occurredAt: start.addingTimeInterval(Double(minute) * 60)))
        }
        let window = try AuditFilter(since: start.addingTimeInterval(60), until: start.addingTimeInterval(240), limit: 2)
        let records = try await world.store.audit.records(visibleTo: world.salesAdmin, filter: window)
        #expect(records.map(\.occurredAt) == [start.addingTimeInterval(180), start.addingTimeInterval(120)])
        #expect(throws: StoreError.self) { try AuditFilter(limit: 0) }
    }
}
