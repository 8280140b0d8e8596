import Foundation
import Store
import Tenancy
import Testing

/// Alert destinations are an organization's own: listed within reach (org A never sees org
/// B's), created only with grants for everything they cover, and an alert is queued — durably,
/// with the alert itself — for exactly the destinations that receive it.
@Suite struct AlertDestinationTests {
    func create(
        _ world: StoreWorld, by principal: Principal, in organization: Organization?, teams: [Team] = [],
        kinds: Set<AlertKind> = [], url: String = "https://hooks.example.com/atrium"
    ) async throws -> CreatedAlertDestination {
        let references = Set(teams.map(\.reference))
        var grants: [Grant] = []
        if let organization {
            if references.isEmpty {
                grants.append(try Policy.authorize(principal, .manageAlertDestinations, on: organization.resource))
            }
            for team in teams {
                grants.append(try Policy.authorize(principal, .manageAlertDestinations, on: team.resource))
            }
        } else {
            grants.append(try Policy.authorize(principal, .manageAlertDestinations, on: .platform))
        }
        let draft = try AlertDestinationDraft(
            organizationID: organization?.id, url: WebhookURL(url), name: nil, kinds: kinds, teams: references)
        return try await world.store.alertDestinations.create(draft, grants: grants)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func acmeAdminNeverListsGlobexDestinations(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let acme = try await create(world, by: world.acmeAdmin, in: world.acme)
        let globex = try await create(world, by: world.globexAdmin, in: world.globex)
        let repository = world.store.alertDestinations
        #expect(
            try await repository.list(organization: world.acme.id, visibleTo: world.acmeAdmin).map(\.destination.id)
                == [acme.destination.id])
        #expect(try await repository.list(organization: world.globex.id, visibleTo: world.acmeAdmin).isEmpty)
        #expect(
            try await repository.list(organization: world.globex.id, visibleTo: world.globexAdmin).map(\.destination.id)
                == [globex.destination.id])
        #expect(try await repository.list(organization: world.acme.id, visibleTo: world.globexAdmin).isEmpty)
        #expect(try await repository.list(organization: world.acme.id, visibleTo: world.owner).count == 1)
        #expect(try await repository.list(organization: nil, visibleTo: world.acmeAdmin).isEmpty)
    }

    /// A webhook made by an admin goes when their access does — removed, demoted, or their
    /// leaked key revoked with its line — as the keys they made do; it used to keep receiving
    /// the team's security alerts, at an address of the former admin's choosing.
    @Test(arguments: StoreBackendKind.allCases)
    func aDestinationGoesWithItsMakersAccess(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let tom = try await world.secondSalesAdmin("tom")
        let tina = try await world.secondSalesAdmin("tina")
        let uma = try await world.secondSalesAdmin("uma")
        for admin in [tom, tina, uma, world.salesAdmin] {
            _ = try await create(world, by: admin, in: world.acme, teams: [world.sales], url: "https://hooks.example.com/\(admin.userID)")
        }
        _ = try await create(world, by: world.acmeAdmin, in: world.acme)
        func remaining() async throws -> Set<String> {
            Set(try await world.store.alertDestinations.list(organization: world.acme.id, visibleTo: world.owner).map(\.destination.url.description))
        }
        #expect(try await remaining().count == 5)

        let team = world.sales.resource
        let late = try Policy.authorize(tom, .manageAlertDestinations, on: team)  // authenticated before the removal
        try await world.store.memberships.removeFromTeam(tom.userID, Policy.authorize(world.acmeAdmin, .removeMember, on: team))
        let draft = try AlertDestinationDraft(
            organizationID: world.acme.id, url: WebhookURL("https://hooks.example.com/late"), name: nil, kinds: [],
            teams: [world.sales.reference])
        await #expect { try await world.store.alertDestinations.create(draft, grants: [late]) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .revokedKey
        }
        try await world.store.memberships.setTeamRole(.member, for: tina.userID, Policy.authorize(world.acmeAdmin, .addMember, on: team))
        try await world.store.keys.revoke(uma.keyID, withMinted: true, Policy.authorize(world.acmeAdmin, .revokeKey, on: team))
        try await world.store.keys.revoke(world.salesAdmin.keyID, Policy.authorize(world.acmeAdmin, .revokeKey, on: team))
        // The org admin's and alice's stay: revoking a key alone (routine hygiene) keeps them.
        #expect(
            try await remaining()
                == ["https://hooks.example.com/atrium", "https://hooks.example.com/\(world.salesAdmin.userID)"])
    }

    /// A team's admins make at most 4 destinations, counted apart from the organization's 20:
    /// one team admin filled the organization's whole quota and left its org admins none.
    @Test(arguments: StoreBackendKind.allCases)
    func aTeamAdminCannotUseUpTheOrganizationsDestinations(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        for index in 0..<AlertDestinationDraft.maximumPerTeam {
            _ = try await create(world, by: world.salesAdmin, in: world.acme, teams: [world.sales], url: "https://t.example.com/\(index)")
        }
        await #expect(throws: StoreError.self) {
            try await create(world, by: world.salesAdmin, in: world.acme, teams: [world.sales], url: "https://t.example.com/more")
        }
        for index in 0..<AlertDestinationDraft.maximumPerOrganization {
            _ = try await create(world, by: world.acmeAdmin, in: world.acme, url: "https://o.example.com/\(index)")
        }
        await #expect(throws: StoreError.self) {
            try await create(world, by: world.acmeAdmin, in: world.acme, url: "https://o.example.com/more")
        }
        _ = try await create(world, by: world.developmentAdmin, in: world.acme, teams: [world.development])
    }

    @Test(arguments: StoreBackendKind.allCases)
    func teamAdminListsOnlyItsOwnTeamsDestinations(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let own = try await create(world, by: world.salesAdmin, in: world.acme, teams: [world.sales])
        _ = try await create(world, by: world.acmeAdmin, in: world.acme)
        _ = try await create(world, by: world.acmeAdmin, in: world.acme, teams: [world.sales, world.development])
        _ = try await create(world, by: world.developmentAdmin, in: world.acme, teams: [world.development])
        let repository = world.store.alertDestinations
        #expect(
            try await repository.list(organization: world.acme.id, visibleTo: world.salesAdmin).map(\.destination.id)
                == [own.destination.id])
        #expect(try await repository.list(organization: world.acme.id, visibleTo: world.salesMember).isEmpty)
        #expect(try await repository.list(organization: world.acme.id, visibleTo: world.acmeAdmin).count == 4)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func creatingNeedsAGrantForEveryTeamItCovers(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let grant = try Policy.authorize(world.salesAdmin, .manageAlertDestinations, on: world.sales.resource)
        let draft = try AlertDestinationDraft(
            organizationID: world.acme.id, url: WebhookURL("https://hooks.example.com/x"), name: nil, kinds: [],
            teams: [world.sales.reference, world.development.reference])
        await #expect(throws: AccessDenied.self) {
            try await world.store.alertDestinations.create(draft, grants: [grant])
        }
        let wide = try AlertDestinationDraft(
            organizationID: world.acme.id, url: WebhookURL("https://hooks.example.com/x"), name: nil, kinds: [],
            teams: [])
        await #expect(throws: AccessDenied.self) {
            try await world.store.alertDestinations.create(wide, grants: [grant])
        }
    }

    @Test func aTeamOfAnotherOrganizationIsRefused() throws {
        #expect(throws: StoreError.self) {
            try AlertDestinationDraft(
                organizationID: OrganizationID(rawValue: "org_a"), url: WebhookURL("https://x.example"), name: nil,
                kinds: [],
                teams: [
                    TeamReference(id: TeamID(rawValue: "team_b"), organizationID: OrganizationID(rawValue: "org_b"))
                ])
        }
    }

    @Test(arguments: StoreBackendKind.allCases)
    func anAlertIsQueuedForExactlyTheDestinationsThatReceiveIt(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let platform = try await create(world, by: world.owner, in: nil)
        let acmeWide = try await create(world, by: world.acmeAdmin, in: world.acme)
        let salesOnly = try await create(world, by: world.salesAdmin, in: world.acme, teams: [world.sales])
        _ = try await create(world, by: world.developmentAdmin, in: world.acme, teams: [world.development])
        _ = try await create(world, by: world.acmeAdmin, in: world.acme, kinds: [.revokedKeyUse])
        _ = try await create(world, by: world.globexAdmin, in: world.globex)

        let crossTeam = try await world.store.alerts.record(
            Alert(
                occurredAt: Date(), kind: .crossTeamAttempt, address: "10.0.0.2", organizationID: world.acme.id,
                teamID: world.sales.id, keyPrefix: "atr_abc", detail: "profile.read refused"))
        let blocked = try await world.store.alerts.record(
            Alert(occurredAt: Date(), kind: .addressBlocked, address: "203.0.113.9", detail: "20 failed keys"))

        // A claim takes one delivery per destination (the platform's has two): claim until none is left.
        var queued: [AlertDeliveryQueue.Delivery] = []
        while true {
            let batch = try await world.store.alertDeliveries.claim(
                now: Date().addingTimeInterval(1), lease: .seconds(30), limit: 100)
            if batch.isEmpty { break }
            queued += batch
        }
        let forCrossTeam = Set(queued.filter { $0.alert.id == crossTeam.id }.map(\.destinationID))
        #expect(forCrossTeam == [platform.destination.id, acmeWide.destination.id, salesOnly.destination.id])
        #expect(
            queued.filter { $0.alert.id == blocked.id }.map(\.destinationID) == [platform.destination.id],
            "no org: the owner's only")
        let salesDelivery = try #require(queued.first { $0.destinationID == salesOnly.destination.id })
        #expect(salesDelivery.secret == salesOnly.secret && salesDelivery.audience == world.acme.id)
        #expect(queued.first { $0.destinationID == platform.destination.id }?.audience == nil)
        #expect(
            try await world.store.alertDeliveries.claim(now: Date().addingTimeInterval(1), lease: .seconds(30)).isEmpty,
            "claimed once")
    }

    @Test(arguments: StoreBackendKind.allCases)
    func deliveryOutcomesShowInTheListingAndPendingSurvivesReopening(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let destination = try await create(world, by: world.acmeAdmin, in: world.acme)
        for _ in 0..<2 {
            try await world.store.alerts.record(
                Alert(
                    occurredAt: Date(), kind: .revokedKeyUse, address: nil, organizationID: world.acme.id,
                    teamID: world.sales.id,
                    detail: "a revoked key was presented"))
        }
        // A restart: a second store on the same database sees the queue.
        let reopened = try world.secondStore()
        let listing = {
            try await reopened.alertDestinations.list(organization: world.acme.id, visibleTo: world.acmeAdmin)[0].status
        }
        #expect(try await listing().pending == 2)

        let now = Date()
        // One delivery of a destination at a time: the second once the first is claimed.
        let claimed =
            try await reopened.alertDeliveries.claim(now: now, lease: .seconds(30))
            + reopened.alertDeliveries.claim(now: now, lease: .seconds(30))
        #expect(claimed.count == 2 && claimed.allSatisfy { $0.attempts == 0 })
        try await reopened.alertDeliveries.failed(
            claimed[0], at: now, failure: .init(code: "http_status", status: 500), retryAt: now.addingTimeInterval(5))
        try await reopened.alertDeliveries.failed(claimed[1], at: now, failure: .init(code: "timeout"), retryAt: nil)
        var status = try await listing()
        #expect(
            status.pending == 1 && status.abandoned == 1 && status.lastError == "timeout" && status.lastSuccessAt == nil
        )
        #expect(
            try await reopened.alertDeliveries.claim(now: now.addingTimeInterval(4), lease: .seconds(30)).isEmpty,
            "not yet due")
        let retried = try await reopened.alertDeliveries.claim(now: now.addingTimeInterval(6), lease: .seconds(30))
        #expect(retried.map(\.attempts) == [1])
        try await reopened.alertDeliveries.delivered(retried[0], at: now.addingTimeInterval(6))
        status = try await listing()
        #expect(status.pending == 0 && status.lastSuccessAt != nil && status.lastAttemptAt == status.lastSuccessAt)
        #expect(
            destination.destination.id
                == (try await reopened.alertDestinations.list(organization: world.acme.id, visibleTo: world.owner))[0]
                .destination.id)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func deletingADestinationDropsItsQueue(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let created = try await create(world, by: world.acmeAdmin, in: world.acme)
        try await world.store.alerts.record(
            Alert(
                occurredAt: Date(), kind: .roleEscalation, address: nil, organizationID: world.acme.id,
                detail: "limits.set refused"))
        try await world.store.alertDestinations.delete(
            created.destination,
            grants: [try Policy.authorize(world.acmeAdmin, .manageAlertDestinations, on: world.acme.resource)])
        #expect(try await world.store.alertDeliveries.nextDue() == nil)
        #expect(
            try await world.store.alertDestinations.destination(created.destination.id, organization: world.acme.id)
                == nil)
    }

    /// A claim takes one delivery per destination, and no more for one organization than its
    /// bound allows beside what is in flight: one organization's queue never takes every sender.
    @Test(arguments: StoreBackendKind.allCases)
    func aClaimSpreadsOverDestinationsAndOrganizations(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        for _ in 0..<3 { _ = try await create(world, by: world.acmeAdmin, in: world.acme) }
        _ = try await create(world, by: world.globexAdmin, in: world.globex)
        for index in 0..<4 {
            try await world.store.alerts.record(
                Alert(
                    occurredAt: Date(), kind: .roleEscalation, address: nil, organizationID: world.acme.id,
                    detail: "attempt \(index)"))
        }
        try await world.store.alerts.record(
            Alert(
                occurredAt: Date(), kind: .roleEscalation, address: nil, organizationID: world.globex.id,
                detail: "attempt"))
        let queue = world.store.alertDeliveries
        let due = Date().addingTimeInterval(1)
        var inFlight = AlertDeliveryQueue.InFlight(perOrganization: 2)
        let first = try await queue.claim(now: due, lease: .seconds(60), limit: 8, inFlight: inFlight)
        #expect(first.count == 3 && Set(first.map(\.destinationID)).count == 3, "one per destination")
        #expect(first.filter { $0.audience == world.acme.id }.count == 2 && first.contains { $0.audience == world.globex.id })
        for delivery in first { inFlight.insert(delivery) }
        #expect(try await queue.claim(now: due, lease: .seconds(60), limit: 8, inFlight: inFlight).isEmpty)

        let finished = try #require(first.first { $0.audience == world.acme.id })
        inFlight.remove(finished)
        let busy = Set(first.filter { $0.id != finished.id }.map(\.destinationID))
        let next = try await queue.claim(now: due, lease: .seconds(60), limit: 8, inFlight: inFlight)
        #expect(next.count == 1 && next[0].audience == world.acme.id && !busy.contains(next[0].destinationID))
    }

    /// Two replicas' delivery services working one queue at once: every delivery is claimed,
    /// and none by both.
    @Test(arguments: StoreBackendKind.allCases)
    func twoReplicasNeverClaimTheSameDelivery(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        _ = try await create(world, by: world.acmeAdmin, in: world.acme)
        let count = 40
        for index in 0..<count {
            try await world.store.alerts.record(
                Alert(
                    occurredAt: Date(), kind: .roleEscalation, address: nil, organizationID: world.acme.id,
                    detail: "attempt \(index)"))
        }
        let replicas = [world.store, try world.secondStore()]
        let due = Date().addingTimeInterval(1)
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for replica in replicas {
                for _ in 0..<3 {
                    group.addTask {
                        var claimed: [Int64] = []
                        while true {
                            let batch = try await replica.alertDeliveries.claim(now: due, lease: .seconds(60), limit: 3)
                            if batch.isEmpty { return claimed }
                            claimed += batch.map(\.id)
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claims.count == count, "claimed \(claims.count) times for \(count) deliveries")
        #expect(Set(claims).count == count, "no delivery claimed twice")
    }

    @Test(arguments: [
        ("ftp://example.com/hook", "http or https"), ("https:///nohost", "host"), ("https://a b.example", "spaces"),
        ("https://example.com/\u{7}", "control"), ("https://user:pw@example.com/", "password"),
        ("https://example.com/#frag", "fragment"), ("", "empty"), ("example.com/hook", "http or https"),
        ("https://example.com:99999/hook", "port"), ("https://example.com:0/hook", "port"),
        // Too long for an Int: the parser reads no port at all.
        ("https://127.0.0.1:99999999999999999999/x", "port"), ("https://example.com:18446744073709569719", "port"),
        ("https://[::1]:99999999999999999999/x", "port"),
    ])
    func badWebhookURLsAreRefusedWithTheReason(url: String, reason: String) {
        do {
            _ = try WebhookURL(url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(url): \(error)")
        }
    }

    @Test func httpAndHttpsURLsAreAccepted() throws {
        #expect(try WebhookURL("https://hooks.example.com/services/T0/B0?token=x").url.host == "hooks.example.com")
        #expect(try WebhookURL("http://127.0.0.1:8080/hook").description == "http://127.0.0.1:8080/hook")
        #expect(try WebhookURL("https://[::1]:8443/hook?at=a:b").url.port == 8443)
        #expect(try WebhookURL("https://example.com/path:with:colons").url.port == nil)
    }
}
