import Foundation
import Store
import Tenancy
import Testing

/// Alerts are read within reach: the owner all (including those about no team), an org admin
/// its organization's, a team admin its team's.
@Suite struct AlertLogTests {
    @Test(arguments: StoreBackendKind.allCases)
    func eachReaderSeesOnlyTheAlertsOfItsReach(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let alerts = world.store.alerts
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await alerts.record(Alert(occurredAt: start, kind: .addressBlocked, address: "203.0.113.9", detail: "20 failed keys"))
        try await alerts.record(
            Alert(
                occurredAt: start.addingTimeInterval(1), kind: .crossTeamAttempt, address: "10.0.0.2",
                organizationID: world.acme.id, teamID: world.sales.id, keyPrefix: world.salesMember.keyPrefix,
                detail: "profile.read refused"))
        try await alerts.record(
            Alert(
                occurredAt: start.addingTimeInterval(2), kind: .roleEscalation, address: "10.0.0.3",
                organizationID: world.acme.id, teamID: world.development.id, keyPrefix: world.developmentAdmin.keyPrefix,
                detail: "limits.set refused"))
        try await alerts.record(
            Alert(
                occurredAt: start.addingTimeInterval(3), kind: .revokedKeyUse, address: nil, organizationID: world.globex.id,
                teamID: world.research.id, keyPrefix: "atr_Xy", detail: "a revoked key was presented"))

        let all = try await alerts.alerts(visibleTo: world.owner, filter: AlertFilter())
        #expect(all.map(\.alert.kind) == [.revokedKeyUse, .roleEscalation, .crossTeamAttempt, .addressBlocked], "newest first")
        #expect(all.last?.alert.address == "203.0.113.9" && all.last?.alert.teamID == nil)
        #expect(try await alerts.alerts(visibleTo: world.acmeAdmin, filter: AlertFilter()).map(\.alert.kind) == [.roleEscalation, .crossTeamAttempt])
        #expect(try await alerts.alerts(visibleTo: world.salesAdmin, filter: AlertFilter()).map(\.alert.kind) == [.crossTeamAttempt])
        #expect(try await alerts.alerts(visibleTo: world.globexAdmin, filter: AlertFilter()).map(\.alert.kind) == [.revokedKeyUse])
        #expect(try await alerts.alerts(visibleTo: world.salesMember, filter: AlertFilter()).isEmpty)

        let recent = try await alerts.alerts(visibleTo: world.owner, filter: AlertFilter(since: start.addingTimeInterval(2), limit: 1))
        #expect(recent.map(\.alert.kind) == [.revokedKeyUse])
        let development = try await alerts.alerts(visibleTo: world.acmeAdmin, filter: AlertFilter(team: world.development.id))
        #expect(development.map(\.alert.kind) == [.roleEscalation])
        #expect(throws: StoreError.self) { try AlertFilter(limit: 0) }
    }
}
