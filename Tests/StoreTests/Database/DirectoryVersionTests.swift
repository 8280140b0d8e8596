import Foundation
import Testing
@testable import Store
import Tenancy

/// The directory version replicas read before trusting their caches: every change that could
/// alter who a key is, what it may do or what its team's requests look like moves it, at the
/// commit that makes the change; using a key does not (or every request would empty every
/// replica's cache).
@Suite struct DirectoryVersionTests {
    @Test func everyDirectoryChangeMovesTheVersionAndUsingAKeyDoesNot() async throws {
        let world = try await StoreWorld.make(.postgres)
        let store = world.store
        func version() async throws -> Int64 { try #require(try await store.directoryVersion()) }
        let start = try await version()

        try await store.keys.recordUse(of: world.salesMember.keyID, at: Date())
        try await store.usage.record(UsageDelta(promptTokens: 3), in: world.scope(world.salesMember))
        #expect(try await version() == start, "a key's use and its usage are no directory change")

        var seen = start
        func expectMoved(_ what: String) async throws {
            let now = try await version()
            #expect(now > seen, "\(what) moves the directory version")
            seen = now
        }
        try await store.keys.revoke(
            world.salesViewer.keyID, Policy.authorize(world.salesAdmin, .revokeKey, on: world.sales.resource))
        try await expectMoved("a revocation")
        try await store.profiles.save(
            try PromptProfile(systemPrompt: "Be brief."), Policy.authorize(world.salesAdmin, .changeProfile, on: world.sales.resource))
        try await expectMoved("a profile (saved in the team's own transaction)")
        try await store.limits.set(
            try TeamLimits(requestsPerMinute: 5), Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        try await expectMoved("team limits")
        try await store.memberships.removeFromTeam(
            world.salesMember.userID, Policy.authorize(world.salesAdmin, .removeMember, on: world.sales.resource))
        try await expectMoved("a membership removed")
        let budget = try await store.budgets.set(
            try BudgetDraft(subject: .team, unit: .tokens, amount: 1000),
            Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        try await expectMoved("a budget set (the directory cache knows which keys have none)")
        _ = try await store.budgets.reserve(
            promptTokens: 10, completionTokens: 10, model: "m", in: world.scope(world.salesAdmin))
        #expect(try await version() == seen, "a request's reservation is no directory change")
        try await store.budgets.delete(
            budget.budget.id, Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        try await expectMoved("a budget deleted")
    }

    @Test func theEmbeddedStoreHasNoSharedVersion() async throws {
        let world = try await StoreWorld.make(.sqlite)
        #expect(try await world.store.directoryVersion() == nil, "one process writes SQLite: its own changes invalidate")
    }

    /// The version's table is the one every transaction sees: it must hold nothing of a tenant's.
    @Test func theSharedTablesHoldOnlyTheVersion() async throws {
        let world = try await StoreWorld.make(.postgres)
        for table in PostgresSchema.sharedTables {
            let columns = try await world.rawRows(
                "SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '\(table)' ORDER BY name"
            ).map { try $0.decode(String.self, forColumn: "name") }
            #expect(columns == ["singleton", "version"], "\(table): \(columns)")
            let rows = try await world.store.backend.read(in: world.scope(world.salesMember)) { db in
                try db.fetchAll("SELECT * FROM \(table)", [])
            }
            #expect(rows.count == 1, "one row, the same for everyone")
        }
    }
}
