import Foundation
import GRDB
@testable import Store
import Tenancy
import Testing

/// A key's own limits are stored with the key, in the same transaction, and read back with
/// its team's for every request.
@Suite struct KeyLimitsTests {
    @Test(arguments: StoreBackendKind.allCases) func aKeyMintedWithLimitsCarriesThemBesideItsTeams(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let bob = try await world.user("bob")
        let limits = try KeyLimits(requestsPerMinute: 5, maxConcurrent: 1)
        let issued = try await world.store.keys.issue(
            KeyRequest(holder: bob.id, binding: .team(world.sales.reference), role: .member, name: "ci", limits: limits),
            Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        let principal = try await world.store.keys.authenticated(issued.secret.revealed)
        let teamLimits = try TeamLimits(tokensPerMinute: 1000, monthlyTokens: 50_000)
        try await world.store.limits.set(teamLimits, Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        let applied = try await world.store.limits.requestLimits(in: world.scope(principal))
        #expect(applied.key == limits)
        #expect(applied.team == teamLimits)
        let other = try await world.store.limits.requestLimits(in: world.scope(world.salesMember))
        #expect(other.key == .unlimited, "a key minted without limits has none of its own")
    }

    @Test(arguments: StoreBackendKind.allCases) func onlyTeamKeysTakeLimits(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let dave = try await world.user("dave")
        let binding = AccessBinding.organization(world.acme.id)
        await #expect(throws: StoreError.self) {
            try await world.store.keys.issue(
                KeyRequest(holder: dave.id, binding: binding, role: .orgAdmin, limits: try KeyLimits(requestsPerMinute: 1)),
                Policy.authorize(world.owner, .issueKey, on: binding.resource))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func aRefusedKeyLeavesNoLimitsBehind(_ backend: StoreBackendKind)
        async throws
    {
        let world = try await StoreWorld.make(backend)
        let bob = try await world.user("bob")
        await #expect(throws: AccessDenied.self) {
            // bob is a member: a team admin key exceeds his membership.
            try await world.store.keys.issue(
                KeyRequest(
                    holder: bob.id, binding: .team(world.sales.reference), role: .teamAdmin,
                    limits: try KeyLimits(requestsPerMinute: 1)),
                Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        }
        #expect(try await world.rawRows("SELECT * FROM key_limits").isEmpty)
    }

    @Test func limitsMustBePositive() {
        #expect(throws: ProfileError.self) { try KeyLimits(maxConcurrent: 0) }
        #expect(throws: ProfileError.self) { try KeyLimits(tokensPerMinute: -5) }
    }
}
