import Foundation
import Store
import Tenancy
import Testing

/// `group_by`: the ledger added up per team, user, key and day, within the reader's reach.
@Suite struct UsageSummaryTests {
    static let day = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15, UTC
    static let nextDay = day.addingTimeInterval(86_400)

    /// bob: 2 requests on the 15th, 1 on the 16th; vic: 1 on the 16th (a cache hit); carol
    /// (development): 1 on the 15th; rita (globex research): 1 on the 15th.
    func world(_ backend: StoreBackendKind) async throws -> StoreWorld {
        let world = try await StoreWorld.make(backend)
        let usage = world.store.usage
        try await usage.record(UsageDelta(promptTokens: 10, completionTokens: 5), in: world.scope(world.salesMember), at: Self.day)
        try await usage.record(UsageDelta(promptTokens: 20, completionTokens: 5), in: world.scope(world.salesMember), at: Self.day)
        try await usage.record(UsageDelta(promptTokens: 1, completionTokens: 1), in: world.scope(world.salesMember), at: Self.nextDay)
        try await usage.record(UsageDelta(promptTokens: 4, cacheHits: 1), in: world.scope(world.salesViewer), at: Self.nextDay)
        try await usage.record(UsageDelta(promptTokens: 100), in: world.scope(world.developmentAdmin), at: Self.day)
        try await usage.record(UsageDelta(promptTokens: 1000), in: world.scope(world.researchMember), at: Self.day)
        return world
    }

    @Test(arguments: StoreBackendKind.allCases) func byTeamTheOwnerSeesEveryTeamWithItsNameAndTotals(_ backend: StoreBackendKind) async throws {
        let world = try await world(backend)
        let rows = try await world.store.usage.summary(visibleTo: world.owner, groupedBy: .team)
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.label, $0) })
        #expect(Set(byName.keys) == ["sales", "development", "research"])
        let sales = try #require(byName["sales"])
        #expect([sales.requests, sales.promptTokens, sales.completionTokens, sales.totalTokens, sales.cacheHits] as [Int] == [4, 35, 11, 46, 1])
        #expect(sales.teamID == world.sales.id && sales.organizationID == world.acme.id)
        #expect(sales.userID == nil && sales.day == nil, "a team's row names no single user or day")
    }

    @Test(arguments: StoreBackendKind.allCases) func byUserByKeyAndByDay(_ backend: StoreBackendKind) async throws {
        let world = try await world(backend)
        let users = try await world.store.usage.summary(visibleTo: world.salesAdmin, groupedBy: .user)
        #expect(Set(users.map(\.label)) == ["bob", "vic"])
        #expect(users.first { $0.label == "bob" }?.totalTokens == 42)
        let keys = try await world.store.usage.summary(visibleTo: world.salesAdmin, groupedBy: .key)
        let bobsKey = try #require(keys.first { $0.keyID == world.salesMember.keyID })
        #expect(bobsKey.keyPrefix == world.salesMember.keyPrefix && bobsKey.label == world.salesMember.keyPrefix)
        #expect(bobsKey.userID == world.salesMember.userID && bobsKey.teamID == world.sales.id && bobsKey.requests == 3)
        let days = try await world.store.usage.summary(visibleTo: world.salesAdmin, groupedBy: .day)
        #expect(days.map(\.label) == ["2027-01-15", "2027-01-16"])
        #expect(days.map(\.totalTokens) == [40, 6])
        #expect(days.map(\.cacheHits) == [0, 1])
    }

    @Test(arguments: StoreBackendKind.allCases) func filtersNarrowTheSums(_ backend: StoreBackendKind) async throws {
        let world = try await world(backend)
        let secondDay = try await world.store.usage.summary(
            visibleTo: world.owner, filter: UsageFilter(since: Self.nextDay), groupedBy: .team)
        #expect(secondDay.map(\.label) == ["sales"] && secondDay.first?.requests == 2)
        let firstDay = try await world.store.usage.summary(
            visibleTo: world.owner, filter: UsageFilter(team: world.development.id, until: Self.day), groupedBy: .user)
        #expect(firstDay.map(\.label) == ["carol"])
    }

    @Test(arguments: StoreBackendKind.allCases) func eachReaderSeesOnlyItsReach(_ backend: StoreBackendKind) async throws {
        let world = try await world(backend)
        let usage = world.store.usage
        #expect(Set(try await usage.summary(visibleTo: world.acmeAdmin, groupedBy: .team).map(\.label)) == ["sales", "development"])
        #expect(try await usage.summary(visibleTo: world.salesAdmin, groupedBy: .team).map(\.label) == ["sales"])
        #expect(try await usage.summary(visibleTo: world.developmentAdmin, groupedBy: .day).map(\.totalTokens) == [100])
        #expect(try await usage.summary(visibleTo: world.globexAdmin, groupedBy: .team).map(\.label) == ["research"])
        #expect(try await usage.summary(visibleTo: world.salesMember, groupedBy: .team).isEmpty, "members read no usage")
        // A filter naming another team cannot widen the reach.
        let reached = try await usage.summary(
            visibleTo: world.salesAdmin, filter: UsageFilter(team: world.research.id), groupedBy: .team)
        #expect(reached.isEmpty)
        #expect(try await usage.summaryForOperator(groupedBy: .team).count == 3)
    }
}
