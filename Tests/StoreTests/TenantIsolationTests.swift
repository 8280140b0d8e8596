import Foundation
import Testing
import Store
import Tenancy

/// Every isolation test comes in a pair: the same team sees its data, another team does not.
@Suite struct TenantIsolationTests {
    @Test(arguments: StoreBackendKind.allCases) func developmentCannotSeeSalesProfile(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let profile = try PromptProfile(systemPrompt: "You sell.", temperature: 0.3)
        let saved = try await world.store.profiles.save(
            profile, Policy.authorize(world.salesAdmin, .changeProfile, on: world.sales.resource))
        #expect(saved.version == 1)
        #expect(try await world.store.profiles.profile(in: world.scope(world.salesViewer)).systemPrompt == "You sell.")
        #expect(try await world.store.profiles.profile(in: world.scope(world.developmentAdmin)) == .default)
    }

    @Test(arguments: StoreBackendKind.allCases) func profileChangeAppliesToTheNextReadWithANewVersion(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let grant = try Policy.authorize(world.acmeAdmin, .changeProfile, on: world.sales.resource)
        try await world.store.profiles.save(try PromptProfile(systemPrompt: "one"), grant)
        let second = try await world.store.profiles.save(try PromptProfile(systemPrompt: "two"), grant)
        #expect(second.version == 2)
        let read = try await world.store.profiles.profile(Policy.authorize(world.salesAdmin, .readProfile, on: world.sales.resource))
        #expect(read.systemPrompt == "two")
        #expect(read.version == 2)
    }

    @Test(arguments: StoreBackendKind.allCases) func grantForReadingCannotSave(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let readGrant = try Policy.authorize(world.salesAdmin, .readProfile, on: world.sales.resource)
        await #expect(throws: AccessDenied(.actionDoesNotApply, action: .changeProfile)) {
            try await world.store.profiles.save(.default, readGrant)
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func developmentCannotSeeSalesLimitsAndTeamsCannotRaiseTheirOwn(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let limits = try TeamLimits(requestsPerMinute: 10, monthlyTokens: 1000, weight: 3)
        try await world.store.limits.set(limits, Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        #expect(try await world.store.limits.limits(in: world.scope(world.salesMember)).weight == 3)
        #expect(try await world.store.limits.limits(in: world.scope(world.salesMember)) == limits)
        #expect(try await world.store.limits.limits(in: world.scope(world.developmentAdmin)) == .unlimited)
        #expect(throws: AccessDenied(.roleNotAllowed, action: .setLimits)) {
            try Policy.authorize(world.salesAdmin, .setLimits, on: world.sales.resource)
        }
    }

    /// A team paired with the wrong organization gets past an organization-level reach check,
    /// but every statement also names the organization, so it matches no row.
    @Test(arguments: StoreBackendKind.allCases) func teamPairedWithAnotherOrganizationMatchesNothing(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.profiles.save(
            try PromptProfile(systemPrompt: "secret sales prompt"),
            Policy.authorize(world.salesAdmin, .changeProfile, on: world.sales.resource))
        let forged = Resource.team(TeamReference(id: world.sales.id, organizationID: world.globex.id))
        let read = try await world.store.profiles.profile(Policy.authorize(world.globexAdmin, .readProfile, on: forged))
        #expect(read == .default)
        await #expect(throws: StoreError.notFound(kind: "team", address: world.sales.id.rawValue)) {
            try await world.store.profiles.save(.default, Policy.authorize(world.globexAdmin, .changeProfile, on: forged))
        }
        await #expect(throws: StoreError.notFound(kind: "team", address: world.sales.id.rawValue)) {
            try await world.store.limits.set(.unlimited, Policy.authorize(world.globexAdmin, .setLimits, on: forged))
        }
        let members = try await world.store.memberships.members(Policy.authorize(world.globexAdmin, .readMembers, on: forged))
        #expect(members.isEmpty)
    }

    @Test(arguments: StoreBackendKind.allCases) func teamMembersAreListedOnlyForTheirTeam(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sales = try await world.store.memberships.members(
            Policy.authorize(world.salesAdmin, .readMembers, on: world.sales.resource))
        #expect(Set(sales.map(\.userID)) == [world.salesAdmin.userID, world.salesMember.userID, world.salesViewer.userID])
        #expect(throws: AccessDenied(.crossTenant, action: .readMembers)) {
            try Policy.authorize(world.salesAdmin, .readMembers, on: world.development.resource)
        }
    }
}
