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

    @Test func knowledgeIsNotCopiedInPart() async throws {
        let target = try await TestDatabase.make(.postgres)
        let world = try await StoreWorld.make(.sqlite)
        _ = try await world.store.knowledge.createCollection(named: "faq", in: try world.scope(world.salesMember))
        await #expect(throws: StoreError.self) { try await StoreCopy.copy(from: world.store, to: target.store) }
        #expect(try await target.store.backend.read { db in try db.fetchValue(Int.self, "SELECT count(*) FROM users") } == 0)
    }
}
