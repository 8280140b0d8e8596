import Foundation
import Testing
@testable import Store
import Tenancy

/// `atrium store copy`: a SQLite store moved into PostgreSQL keeps every row, id and hash —
/// keys still authenticate, the audit chain still verifies — and an occupied target is refused.
@Suite struct StoreCopyTests {
    /// A SQLite world with a row in every table: profiles, limits, usage, budgets, a pruned audit chain
    /// (with NUL in client text), alerts with a queued delivery, a console session, a person
    /// signed in through SSO with a mapped group.
    static func populatedSQLiteWorld() async throws -> StoreWorld {
        let world = try await StoreWorld.make(.sqlite)
        let sales = try world.scope(world.salesMember)
        try await world.store.profiles.save(
            try PromptProfile(systemPrompt: "sales only"),
            Policy.authorize(world.salesAdmin, .changeProfile, on: world.sales.resource))
        try await world.store.limits.set(
            try TeamLimits(requestsPerMinute: 7), Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        _ = try await world.store.keys.issue(
            KeyRequest(
                holder: world.salesAdmin.userID, binding: .team(world.sales.reference), role: .member, name: "limited",
                limits: try KeyLimits(requestsPerMinute: 1)),
            Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        try await world.store.usage.record(UsageDelta(promptTokens: 3, completionTokens: 4), in: sales)
        // A price, a budget, and a request holding part of it (its spend row and its hold).
        try await world.store.budgets.setPrice(
            ModelPrice(model: "m", promptPer1K: Money(micros: 150_000), completionPer1K: Money(micros: 600_000)),
            Policy.authorize(world.owner, .setPrices, on: .platform))
        try await world.store.budgets.set(
            BudgetDraft(subject: .team, unit: .cost, amount: 5_000_000),
            Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        _ = try await world.store.budgets.reserve(promptTokens: 10, completionTokens: 10, model: "m", in: sales)
        let old = Date().addingTimeInterval(-10 * 86_400)
        for index in 0..<4 {
            try await world.store.audit.append(
                AuditEntry(
                    principal: world.salesMember, action: .chat, resource: world.sales.resource, decision: .allow,
                    occurredAt: old.addingTimeInterval(Double(index)), query: "old \(index)"))
        }
        try await world.store.audit.prune(olderThan: old.addingTimeInterval(2))
        try await world.store.audit.append(
            AuditEntry(identity: nil, action: "chat", resource: "collection:a\u{0}b", decision: .deny(.unknownKey), query: "x\u{0}y"))
        let destination = try AlertDestinationDraft(
            organizationID: world.acme.id, url: WebhookURL("https://hooks.example.com/a"), name: "ops", kinds: [],
            teams: [world.sales.reference])
        _ = try await world.store.alertDestinations.create(
            destination, grants: [Policy.authorize(world.salesAdmin, .manageAlertDestinations, on: world.sales.resource)])
        try await world.store.alerts.record(
            Alert(occurredAt: Date(), kind: .revokedKeyUse, address: "10.0.0.1", organizationID: world.acme.id,
                  teamID: world.sales.id, detail: "a revoked key was presented"))
        try await world.store.consoleSessions.insert(
            ConsoleSession(
                tokenHash: APIKeyHash(of: "token").hex, keyID: world.salesMember.keyID, keyHash: APIKeyHash(of: "k"),
                createdAt: Date(), lastSeenAt: Date(), expiresAt: Date().addingTimeInterval(3600)))
        try await world.store.singleSignOn.replaceMappings(
            [GroupMapping(group: "sales-eng", team: world.sales.reference, role: .member)],
            Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
        _ = try await world.store.singleSignOn.signIn(
            ExternalIdentity(
                issuer: "https://idp.example.com", subject: "subject-copy", preferredName: "sso-sam", email: nil,
                groups: ["sales-eng"]),
            organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        _ = try await world.store.knowledge.store(
            FullTextPostingsTests.draft("pricing.txt", [(["Pricing"], "Quokka plans cost forty euros.")]), in: "handbook",
            scope: sales)
        return world
    }

    @Test func aCopyKeepsEveryRowKeysAndTheAuditChain() async throws {
        let target = try await TestDatabase.make(.postgres)
        let world = try await Self.populatedSQLiteWorld()
        let copied = try await StoreCopy.copy(from: world.store, to: target.store)
        for table in StoreCopy.tables {
            let source = try await world.rawRows("SELECT count(*) AS n FROM \(table)")[0].decode(Int.self, forColumn: "n")
            #expect(copied.first { $0.table == table }?.rows == source, "\(table)")
            #expect(source > 0, "the source world has rows in \(table)")
        }
        let copy = target.store
        #expect(try await copy.audit.chain(after: 0) == world.store.audit.chain(after: 0))
        let verification = try await copy.audit.verify()
        #expect(verification.isIntact)
        #expect(try await verification == world.store.audit.verify())

        // Keys authenticate with the same secrets; repositories read the same values.
        let bob = try await copy.keys.authenticated(try #require(world.keys["bob"]))
        #expect(bob.keyID == world.salesMember.keyID)
        let scope = try #require(bob.tenantScope)
        #expect(try await copy.profiles.profile(in: scope).systemPrompt == "sales only")
        #expect(try await copy.usage.monthlyTokens(in: scope) == 7)
        let alerts = try await copy.alerts.alerts(visibleTo: world.owner, filter: try AlertFilter())
        #expect(alerts == (try await world.store.alerts.alerts(visibleTo: world.owner, filter: try AlertFilter())))
        #expect(try await copy.alertDeliveries.nextDue() != nil, "the queued delivery came along")
        #expect(try await copy.consoleSessions.count(keyID: world.salesMember.keyID) == 1)

        // New rows continue after the copied ids.
        let next = try await copy.alerts.record(Alert(occurredAt: Date(), kind: .addressBlocked, address: nil, detail: "x"))
        #expect(next.id == (alerts.map(\.id).max() ?? 0) + 1)
        let appended = try await copy.audit.append(
            AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey)))
        #expect(try await copy.audit.verify().isIntact)
        #expect(appended.id == (try await world.store.audit.chain(after: 0).last?.id ?? 0) + 1)
    }

    @Test func aTargetWithAnyRowIsRefusedAndLeftAsItWas() async throws {
        let target = try await TestDatabase.make(.postgres)
        let world = try await Self.populatedSQLiteWorld()
        _ = try await target.store.bootstrapOwnerIfEmpty(presetKey: nil)
        let before = try await target.store.backend.read { db in try db.fetchValue(Int.self, "SELECT count(*) FROM users") }
        await #expect(throws: StoreError.self) { try await StoreCopy.copy(from: world.store, to: target.store) }
        let after = try await target.store.backend.read { db in try db.fetchValue(Int.self, "SELECT count(*) FROM users") }
        #expect(before == after)
    }

    /// Every table a migrated SQLite store has is copied or refused: a table a later migration
    /// adds fails this until the copy knows it (it is never dropped silently).
    @Test func everyTableOfTheSQLiteStoreIsCopiedOrRefused() async throws {
        let world = try await StoreWorld.make(.sqlite)
        _ = try await world.store.knowledge.createCollection(named: "faq", in: try world.scope(world.salesMember))
        #expect(try await world.store.backend.read { db in try StoreCopy.unknownTables(in: db) } == [])
        try await world.store.backend.write(in: nil) { db in
            _ = try db.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)", [])
        }
        #expect(try await world.store.backend.read { db in try StoreCopy.unknownTables(in: db) } == ["later_feature"])
    }

    /// Knowledge comes along whole — collections, documents, chunks with their vectors and
    /// ids, versions — and PostgreSQL builds its full-text postings from the copied chunks:
    /// every query ranks the same chunks in the same order with the same scores as on the
    /// SQLite store, and new chunks continue after the copied ids.
    @Test func copiedKnowledgeSearchesAsOnTheSQLiteStore() async throws {
        let (world, sales, handbook) = try await FullTextPostingsTests.indexed(.sqlite)
        // The highest chunk id SQLite ever gave belongs to a deleted document.
        let scratch = try await world.store.knowledge.store(
            FullTextPostingsTests.draft("scratch.txt", [([], "Gone before the copy.")]), in: "handbook", scope: sales)
        try await world.store.knowledge.deleteDocument(scratch.document.id, in: "handbook", scope: sales)
        let highest = try await world.rawRows("SELECT seq FROM sqlite_sequence WHERE name = 'knowledge_chunks'")[0]
            .decode(Int64.self, forColumn: "seq")
        let target = try await TestDatabase.make(.postgres)
        let copied = try await StoreCopy.copy(from: world.store, to: target.store)
        #expect((copied.first { $0.table == "knowledge_postings" }?.rows ?? 0) > 0, "\(copied)")
        let copy = target.store.knowledge
        var compared = 0
        for text in FullTextPostingsTests.queries {
            let query = try #require(FullTextQuery(text))
            for collections in [nil, [handbook]] as [[CollectionID]?] {
                let expected = try await world.store.knowledge.fullTextSearch(query, collections: collections, limit: 50, in: sales)
                let actual = try await copy.fullTextSearch(query, collections: collections, limit: 50, in: sales)
                #expect(actual.map(\.chunkID) == expected.map(\.chunkID), "order for \(text)")
                for (left, right) in zip(expected, actual) {
                    #expect(abs(left.score - right.score) <= 1e-12 * max(1, abs(left.score)), "\(text): \(left) vs \(right)")
                }
                compared += expected.count
            }
        }
        #expect(compared > 40, "the queries match enough chunks to compare")
        // The vectors (hybrid search's other half) and the knowledge version are the same.
        let dimensions = KnowledgeRepositoryTests.vector(for: "x").count
        let vectors = try await world.store.knowledge.vectors(in: sales, model: "test-model", dimensions: dimensions)
        let copiedVectors = try await copy.vectors(in: sales, model: "test-model", dimensions: dimensions)
        #expect(Set(copiedVectors.keys) == Set(vectors.keys) && !vectors.isEmpty)
        for (collection, rows) in vectors {
            #expect(copiedVectors[collection]?.chunkIDs == rows.chunkIDs && copiedVectors[collection]?.values == rows.values)
        }
        #expect(try await copy.version(in: sales) == world.store.knowledge.version(in: sales))
        let copiedDocuments = try await copy.documents(in: "handbook", scope: sales)
        let sourceDocuments = try await world.store.knowledge.documents(in: "handbook", scope: sales)
        // The same documents; instants to the millisecond both backends keep.
        let fields = { (document: KnowledgeDocument) in
            "\(document.id) \(document.name) \(document.contentHash) \(document.byteCount) \(document.chunkCount)"
        }
        #expect(copiedDocuments.map(fields) == sourceDocuments.map(fields) && !sourceDocuments.isEmpty)
        for (copied, source) in zip(copiedDocuments, sourceDocuments) {
            #expect(abs(copied.createdAt.timeIntervalSince(source.createdAt)) < 0.002)
        }

        // A document stored on the copy gets chunk ids after every id the source gave.
        let written = try await copy.store(
            FullTextPostingsTests.draft("after-copy.txt", [([], "Written on PostgreSQL after the copy.")]), in: "handbook",
            scope: sales)
        let chunk = try await copy.fullTextSearch(try #require(FullTextQuery("written")), collections: nil, limit: 5, in: sales)
        #expect(chunk.map(\.chunkID) == [highest + 1], "\(written)")
    }
}
