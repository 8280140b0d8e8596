import Foundation
import Testing
import Store
import Tenancy

/// Organizations, teams and users: unique names, `org/team` addresses, listings within reach.
@Suite struct DirectoryTests {
    @Test(arguments: StoreBackendKind.allCases) func namesAreUniqueIgnoringCase(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        await #expect(throws: StoreError.nameTaken(kind: "organization", name: "ACME")) {
            try await world.store.organizations.create(named: "ACME", Policy.authorize(world.owner, .createOrganization, on: .platform))
        }
        await #expect(throws: StoreError.nameTaken(kind: "team", name: "Sales")) {
            try await world.store.teams.create(named: "Sales", Policy.authorize(world.acmeAdmin, .createTeam, on: world.acme.resource))
        }
        let globexSales = try await world.store.teams.create(
            named: "sales", Policy.authorize(world.globexAdmin, .createTeam, on: world.globex.resource))
        #expect(globexSales.organizationID == world.globex.id)
        // User names are unique within an organization (alice is acme's).
        await #expect(throws: StoreError.nameTaken(kind: "user", name: "Alice")) {
            try await world.store.users.create(
                named: "Alice", in: world.acme.id, Policy.authorize(world.owner, .createUser, on: .userDirectory))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func badNamesAndEmailsAreRefused(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let grant = try Policy.authorize(world.acmeAdmin, .createUser, on: .userDirectory)
        await #expect(throws: DirectoryError.self) { try await world.store.users.create(named: "a/b", grant) }
        await #expect(throws: StoreError.self) { try await world.store.users.create(named: "zed", email: "not-an-email", grant) }
        // 254 at most, counted in scalars: combining marks stacked on one letter count each.
        let stacked = "z" + String(repeating: "\u{0301}", count: 300) + "@example.com"
        await #expect(throws: StoreError.self) { try await world.store.users.create(named: "zed", email: stacked, grant) }
    }

    /// Names are looked up case-insensitively, so a name that folds to an id's shape would answer
    /// to that id: `USR_…` made by a team admin once took over alice's id in every lookup.
    @Test(arguments: StoreBackendKind.allCases) func anIdNeverAnswersForAnotherUsersName(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let alice = try await world.user("alice")
        let grant = try Policy.authorize(world.acmeAdmin, .createUser, on: .userDirectory)
        for impostor in [alice.id.rawValue.uppercased(), "Usr_" + alice.id.rawValue.dropFirst(4), "TEAM_x", "Org_1"] {
            await #expect(throws: DirectoryError.self, "\(impostor)") { try await world.store.users.create(named: impostor, grant) }
        }
        // A name of that shape from before the rule (written directly): the id still wins.
        let bob = try await world.user("bob")
        try await world.tamperWithAudit("UPDATE users SET name = '\(alice.id.rawValue.uppercased())' WHERE id = '\(bob.id.rawValue)'")
        #expect(try await world.store.users.user(address: alice.id.rawValue, visibleTo: world.acmeAdmin)?.id == alice.id)
        #expect(try await world.store.users.user(address: bob.id.rawValue, visibleTo: world.acmeAdmin)?.id == bob.id)
    }

    @Test(arguments: StoreBackendKind.allCases) func teamsAreAddressedByIdOrOrgSlashTeam(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(try await world.store.teams.team(address: "acme/sales") == world.sales)
        #expect(try await world.store.teams.team(address: "ACME/Sales") == world.sales)
        #expect(try await world.store.teams.team(address: "\(world.acme.id)/sales") == world.sales)
        #expect(try await world.store.teams.team(address: world.sales.id.rawValue) == world.sales)
        #expect(try await world.store.teams.team(address: "globex/sales") == nil)
        #expect(try await world.store.teams.team(address: "sales") == nil)
        #expect(try await world.store.organizations.organization(address: "Globex") == world.globex)
    }

    @Test(arguments: StoreBackendKind.allCases) func listingsShowOnlyWhatTheKeyReaches(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(try await world.store.organizations.list(visibleTo: world.owner).count == 2)
        #expect(try await world.store.organizations.list(visibleTo: world.acmeAdmin) == [world.acme])
        #expect(try await world.store.teams.list(in: world.acme.id, visibleTo: world.acmeAdmin) == [world.development, world.sales])
        #expect(try await world.store.teams.list(in: world.acme.id, visibleTo: world.salesMember) == [world.sales])
        #expect(try await world.store.teams.list(in: world.acme.id, visibleTo: world.globexAdmin).isEmpty)
    }

    @Test(arguments: StoreBackendKind.allCases) func orgAdminCannotCreateTeamsInAnotherOrganization(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(throws: AccessDenied(.crossTenant, action: .createTeam)) {
            try Policy.authorize(world.acmeAdmin, .createTeam, on: world.globex.resource)
        }
    }
}
