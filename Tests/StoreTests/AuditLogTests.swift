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

    @Test(arguments: StoreBackendKind.allCases)
    func untouchedChainVerifies(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 0, firstBreak: nil))
        try await appendRecords(world, count: 5)
        let verification = try await world.store.audit.verify()
        #expect(verification.isIntact)
        #expect(verification.intactRecords == 5)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func editedRecordIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendRecords(world, count: 5)
        try await world.tamperWithAudit("UPDATE audit_records SET query = 'nothing to see' WHERE id = 3")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 3, problem: .contentAltered))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func editWithRecomputedHashIsCaughtByTheNextLink(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendRecords(world, count: 5)
        let original = try #require(try await world.rawRows("SELECT * FROM audit_records WHERE id = 2").first?.auditRecord())
        let forged = AuditRecord(
            id: original.id, occurredAt: original.occurredAt, requestID: original.requestID, keyID: original.keyID,
            keyPrefix: original.keyPrefix, userID: original.userID, organizationID: original.organizationID,
            teamID: original.teamID, action: original.action, resource: original.resource, allowed: false,
            reason: "role_not_allowed", query: original.query, promptTokens: 0, completionTokens: 0,
            latencyMilliseconds: 0, cacheHit: false, sources: [], previousHash: original.previousHash, hash: "")
        try await world.tamperWithAudit(
            "UPDATE audit_records SET decision = 'deny', reason = 'role_not_allowed', hash = '\(forged.expectedHash)' WHERE id = 2")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 3, problem: .chainBroken))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func deletedRecordIsNamed(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendRecords(world, count: 5)
        try await world.tamperWithAudit("DELETE FROM audit_records WHERE id = 3")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 3, problem: .missing))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func reorderedRecordsAreNamed(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendRecords(world, count: 5)
        try await world.tamperWithAudit(
            """
            UPDATE audit_records SET id = 100 WHERE id = 2;
            UPDATE audit_records SET id = 2 WHERE id = 4;
            UPDATE audit_records SET id = 4 WHERE id = 100;
            """)
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 2, problem: .contentAltered))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func recordsCutOffTheEndAreNamed(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendRecords(world, count: 5)
        try await world.tamperWithAudit("DELETE FROM audit_records WHERE id >= 4")
        #expect(try await world.store.audit.verify().firstBreak == AuditBreak(recordID: 4, problem: .missing))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func appendOnlyTriggersRefuseUpdateAndDelete(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await appendRecords(world, count: 2)
        var statements = ["UPDATE audit_records SET query = NULL", "DELETE FROM audit_records"]
        if backend == .postgres { statements.append("TRUNCATE audit_records") }
        for statement in statements {
            // The administrative path, which row-level security lets write: the triggers refuse.
            await #expect(throws: (any Error).self, "\(statement)") {
                try await world.store.backend.write { db in try db.execute(statement) }
            }
        }
        if backend == .sqlite {
            let raw = try world.rawConnection()
            #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "DELETE FROM audit_records") } }
        }
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 2, firstBreak: nil))
    }

    /// `full` keeps at most 16 KiB of a query (whole characters), then its length and a digest
    /// of all of it: a megabyte of refused prompt no longer costs the log a megabyte.
    @Test func fullQueryTextIsBounded() {
        let short = String(repeating: "é", count: QueryTextPolicy.fullTextLimit / 2)  // exactly the limit
        #expect(QueryTextPolicy.full.apply(to: short) == short)
        let long = "a" + String(repeating: "é", count: QueryTextPolicy.fullTextLimit)  // a scalar straddles the limit
        let kept = try! #require(QueryTextPolicy.full.apply(to: long))
        let prefix = "a" + String(repeating: "é", count: QueryTextPolicy.fullTextLimit / 2 - 1)
        #expect(kept == prefix + "… [\(long.utf8.count) bytes in all, sha256:\(SHA256Hex.of(long))]")
        #expect(kept.utf8.count < QueryTextPolicy.fullTextLimit + 100)
    }

    @Test(arguments: StoreBackendKind.allCases, [QueryTextPolicy.full, .hash, .none])
    func queryTextIsKeptPerPolicy(_ backend: StoreBackendKind, policy: QueryTextPolicy) async throws {
        let world = try await StoreWorld.make(backend, queryText: policy)
        let record = try await world.store.audit.append(
            AuditEntry(principal: world.salesMember, action: .chat, resource: world.sales.resource, decision: .allow, query: "abc"))
        switch policy {
        case .full: #expect(record.query == "abc")
        case .hash: #expect(record.query == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        case .none: #expect(record.query == nil)
        }
        #expect(try await world.store.audit.verify().isIntact)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func denialOfARevokedKeyNamesTheKeyTeamAndReason(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
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

    @Test(arguments: StoreBackendKind.allCases)
    func keyOfSalesCannotReadDevelopmentAudit(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
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

    @Test(arguments: StoreBackendKind.allCases)
    func orgAdminSeesItsTeamsAndOwnerSeesEverything(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
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

    @Test(arguments: StoreBackendKind.allCases)
    func readsFilterByTimeAndLimitNewestFirst(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
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

    /// Client text may hold NUL (a JSON `\u0000`): the record keeps every byte — PostgreSQL
    /// text cannot, so those columns are bytes there — and still matches its hash.
    @Test(arguments: StoreBackendKind.allCases)
    func clientTextWithNULIsKeptByteForByte(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let text = "before\u{0}after"
        let stored = try await world.store.audit.append(
            AuditEntry(
                requestID: text, identity: world.salesMember.identity, action: "chat", resource: "collection:\(text)",
                decision: .deny(.unknownKey), query: text, sources: [text], clientAddress: text, flags: [text]))
        let read = try #require(try await world.store.audit.chain(after: 0).first)
        #expect(read == stored)
        #expect(read.query == text && read.resource == "collection:\(text)")
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 1, firstBreak: nil))
    }

    /// Two processes on one database (two stores, each with its own connections) appending at
    /// once still build ONE chain: the appends are serialized by the database, not by memory.
    @Test(arguments: StoreBackendKind.allCases)
    func twoStoresAppendingAtOnceBuildOneVerifiableChain(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let other = try world.secondStore()
        let principals = [world.salesMember, world.developmentAdmin, world.researchMember]
        let (tasks, rounds) = (4, 8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in [world.store, other].enumerated() {
                for task in 0..<tasks {
                    group.addTask {
                        for round in 0..<rounds {
                            let principal = principals[(task + round) % principals.count]
                            let entry = AuditEntry(
                                principal: principal, action: .chat, resource: principal.binding.resource,
                                decision: .allow, query: "store \(index) task \(task) round \(round)")
                            // Single appends and batches interleave.
                            if round % 2 == 0 {
                                try await store.audit.append(entry)
                            } else {
                                try await store.audit.append(contentsOf: [entry, entry])
                            }
                        }
                    }
                }
                // The accounting writer's blocking path, on a thread of its own.
                group.addTask {
                    let entries = (0..<5).map { _ in
                        AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey))
                    }
                    _ = try await world.offThePool { try store.commitAccounting(audits: entries, usage: [], keyUses: [:]) }
                }
            }
            try await group.waitForAll()
        }
        let total = 2 * (tasks * (rounds / 2) * 3 + 5)
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: total, firstBreak: nil))
        #expect(try await other.audit.verify().isIntact, "the other process sees the same chain")
        let ids = try await world.store.audit.chain(after: 0, limit: 1000).map(\.id)
        #expect(ids == Array(1...Int64(total)))
    }

    /// The accounting writer's batch — audit records, usage, key last-use — commits as one
    /// administrative transaction on either backend.
    @Test(arguments: StoreBackendKind.allCases)
    func anAccountingBatchCommitsAuditUsageAndKeyUseTogether(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let day = Date(timeIntervalSince1970: 1_800_000_000)
        let scopes = [try world.scope(world.salesMember), try world.scope(world.researchMember)]
        let audits = scopes.map {
            AuditEntry(principal: $0.principal, action: .chat, resource: $0.principal.binding.resource, decision: .allow)
        }
        let delta = try UsageDelta(promptTokens: 4, completionTokens: 2)
        let usage = scopes.map { UsageEntry(delta, in: $0, at: day) }
        let store = world.store
        let records = try await world.offThePool {
            try store.commitAccounting(audits: audits, usage: usage, keyUses: [world.salesMember.keyID: day])
        }
        #expect(records.map(\.teamID) == [world.sales.id, world.research.id])
        #expect(try await world.store.audit.verify() == AuditVerification(intactRecords: 2, firstBreak: nil))
        #expect(try await world.store.usage.monthlyTokens(in: scopes[1], containing: day) == 6)
        let keys = try await world.store.keys.list(visibleTo: world.salesAdmin)
        #expect(keys.first { $0.id == world.salesMember.keyID }?.lastUsedAt == day)
    }
}
