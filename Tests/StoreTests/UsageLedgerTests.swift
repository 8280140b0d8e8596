import Foundation
import Testing
import Store
import Tenancy

/// The usage ledger: per team, user, key and UTC day; read within reach.
@Suite struct UsageLedgerTests {
    static let day = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15, UTC

    @Test(arguments: StoreBackendKind.allCases) func usageAddsUpPerKeyAndDay(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let scope = try world.scope(world.salesMember)
        try await world.store.usage.record(UsageDelta(promptTokens: 10, completionTokens: 5), in: scope, at: Self.day)
        try await world.store.usage.record(
            UsageDelta(promptTokens: 7, completionTokens: 3, cacheHits: 1), in: scope, at: Self.day.addingTimeInterval(60))
        try await world.store.usage.record(UsageDelta(promptTokens: 1), in: scope, at: Self.day.addingTimeInterval(86_400))
        let rows = try await world.store.usage.report(visibleTo: world.salesAdmin)
        #expect(rows.count == 2)
        let first = try #require(rows.first)
        #expect(first.day == "2027-01-15")
        #expect(first.keyID == world.salesMember.keyID)
        #expect(first.userID == world.salesMember.userID)
        #expect([first.requests, first.promptTokens, first.completionTokens, first.cacheHits, first.totalTokens] as [Int] == [2, 17, 8, 1, 25])
        #expect(rows.last?.day == "2027-01-16")
        let sinceSecondDay = try await world.store.usage.report(
            visibleTo: world.salesAdmin, filter: UsageFilter(since: Self.day.addingTimeInterval(86_400)))
        #expect(sinceSecondDay.map(\.day) == ["2027-01-16"])
    }

    @Test(arguments: StoreBackendKind.allCases) func monthlyTokensCountOnlyThisMonthAndThisTeam(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try world.scope(world.salesMember)
        let development = try world.scope(world.developmentAdmin)
        try await world.store.usage.record(UsageDelta(promptTokens: 100, completionTokens: 20), in: sales, at: Self.day)
        try await world.store.usage.record(UsageDelta(promptTokens: 3), in: sales, at: Self.day.addingTimeInterval(-20 * 86_400))
        try await world.store.usage.record(UsageDelta(promptTokens: 50), in: development, at: Self.day)
        #expect(try await world.store.usage.monthlyTokens(in: sales, containing: Self.day) == 120)
        #expect(try await world.store.usage.monthlyTokens(in: development, containing: Self.day) == 50)
    }

    @Test(arguments: StoreBackendKind.allCases) func developmentCannotSeeSalesUsage(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.usage.record(UsageDelta(promptTokens: 1), in: world.scope(world.salesMember), at: Self.day)
        try await world.store.usage.record(UsageDelta(promptTokens: 2), in: world.scope(world.researchMember), at: Self.day)
        #expect(try await world.store.usage.report(visibleTo: world.developmentAdmin).isEmpty)
        #expect(try await world.store.usage.report(visibleTo: world.salesAdmin).map(\.teamID) == [world.sales.id])
        #expect(try await world.store.usage.report(visibleTo: world.acmeAdmin).map(\.teamID) == [world.sales.id])
        #expect(try await world.store.usage.report(visibleTo: world.owner).count == 2)
        #expect(try await world.store.usage.report(visibleTo: world.salesMember).isEmpty)
    }

    @Test func negativeUsageIsRefused() {
        #expect(throws: StoreError.self) { try UsageDelta(promptTokens: -1) }
    }
}
