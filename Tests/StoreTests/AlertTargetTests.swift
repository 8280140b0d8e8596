import Foundation
import Store
import Tenancy
import Testing

/// A cross-team attempt is also the targeted side's alert: its team and organization admins
/// read it, and each side reads only its own side's ids.
@Suite struct AlertTargetTests {
    @Test(arguments: StoreBackendKind.allCases)
    func targetedTeamSeesTheAttemptWithItsOwnIdsOnlyAndBystandersSeeNothing(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.alerts.record(
            Alert(
                occurredAt: Date(), kind: .crossTeamAttempt, address: "10.0.0.9", organizationID: world.globex.id,
                teamID: world.research.id, keyPrefix: world.researchMember.keyPrefix, detail: "profile.read refused",
                targetOrganizationID: world.acme.id, targetTeamID: world.sales.id))

        for target in [world.salesAdmin, world.acmeAdmin] {
            let seen = try #require(try await world.store.alerts.alerts(visibleTo: target, filter: AlertFilter()).first?.alert)
            #expect(seen.targetTeamID == world.sales.id && seen.targetOrganizationID == world.acme.id)
            #expect(seen.teamID == nil && seen.organizationID == nil && seen.keyPrefix == nil && seen.address == nil)
        }
        let attacker = try #require(try await world.store.alerts.alerts(visibleTo: world.globexAdmin, filter: AlertFilter()).first?.alert)
        #expect(attacker.teamID == world.research.id && attacker.targetTeamID == nil && attacker.targetOrganizationID == nil)
        let owner = try #require(try await world.store.alerts.alerts(visibleTo: world.owner, filter: AlertFilter()).first?.alert)
        #expect(owner.teamID == world.research.id && owner.targetTeamID == world.sales.id)
        #expect(try await world.store.alerts.alerts(visibleTo: world.developmentAdmin, filter: AlertFilter()).isEmpty)
        let filtered = try await world.store.alerts.alerts(visibleTo: world.acmeAdmin, filter: AlertFilter(team: world.sales.id))
        #expect(filtered.count == 1, "?team= finds alerts aimed at the team too")
    }
}
