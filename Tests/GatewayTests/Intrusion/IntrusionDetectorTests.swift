import AtriumTestSupport
import Foundation
@testable import Gateway
import Logging
import Synchronization
@testable import Store
import Tenancy
import Testing

/// Failed keys per address, blocks, and the alerts that finished requests raise — against a
/// clock that only moves when told.
@Suite struct IntrusionDetectorTests {
    let clock = ManualClock()

    func detector(_ world: GatewayWorld, after failures: Int = 3, window: Int = 60, block: Int = 300) throws -> IntrusionDetector {
        let clock = clock
        return IntrusionDetector(
            policy: try IntrusionPolicy(failuresBeforeBlock: failures, windowSeconds: window, blockSeconds: block),
            store: world.store, logger: .init(label: "test"), now: { clock.now })
    }

    /// One request presenting `key` from `address`, through the authenticate stage, ended.
    func present(_ key: String, from address: String?, to detector: IntrusionDetector, world: GatewayWorld) async throws
        -> GatewayError?
    {
        let audit = world.audit("models.list")
        defer { world.gateway.accountant.finish(audit) }
        var refusal: GatewayError?
        do {
            try await detector.refuseIfBlocked(address, audit: audit)
            _ = try await world.gateway.authenticator.authenticate(authorization: "Bearer \(key)", audit: audit)
        } catch let error as GatewayError {
            refusal = error
        }
        await detector.requestEnded(audit, address: address, presentedKey: true)
        await detector.settled()
        return refusal
    }

    func alerts(_ world: GatewayWorld) async throws -> [Alert] {
        try await world.store.alerts.alerts(visibleTo: world.principal("owner"), filter: AlertFilter()).map(\.alert)
    }

    @Test func repeatedFailedKeysBlockTheAddressForTheBlockTimeAndRaiseOneAlert() async throws {
        let world = try await GatewayWorld.make()
        let detector = try detector(world)
        for attempt in 1...3 {
            let refusal = try await present("atr_wrong\(attempt)", from: "198.51.100.7", to: detector, world: world)
            #expect(refusal?.kind == .unauthenticated)
        }
        let blocked = try #require(try await present(world.keys["bob"]!, from: "198.51.100.7", to: detector, world: world))
        #expect(blocked.kind == .rateLimited && blocked.code == "address_blocked" && blocked.retryAfter == 300)
        #expect(try await present(world.keys["bob"]!, from: "198.51.100.8", to: detector, world: world) == nil, "another address is not blocked")
        let raised = try await alerts(world)
        #expect(raised.map(\.kind) == [.addressBlocked], "one alert per block, none per refused request")
        #expect(raised.first?.address == "198.51.100.7" && raised.first?.teamID == nil)
        #expect(raised.first?.detail.contains("3 failed keys within 60 s") == true)

        clock.advance(by: 299)
        #expect(try await present(world.keys["bob"]!, from: "198.51.100.7", to: detector, world: world)?.retryAfter == 1)
        clock.advance(by: 1)
        #expect(try await present(world.keys["bob"]!, from: "198.51.100.7", to: detector, world: world) == nil)
        let records = try await world.auditRecords().filter { $0.reason == "address_blocked" }
        #expect(records.count == 2, "every refused request is audited")
    }

    /// One host often holds a whole IPv6 /64: failed keys from three of its addresses block
    /// all of it (a fourth, fresh address included), not the next /64.
    @Test func failedKeysFromOneIPv6Slash64BlockTheWholeSlash64() async throws {
        let world = try await GatewayWorld.make()
        let detector = try detector(world)
        for address in ["2001:db8:7:9::1", "2001:db8:7:9::2:3", "2001:db8:7:9:ffff:ffff:ffff:fffe"] {
            let refusal = try await present("atr_wrong-\(address)", from: address, to: detector, world: world)
            #expect(refusal?.kind == .unauthenticated)
        }
        let blocked = try await present(world.keys["bob"]!, from: "2001:db8:7:9:abcd::42", to: detector, world: world)
        #expect(blocked?.code == "address_blocked", "a fresh address of the same /64")
        #expect(try await present(world.keys["bob"]!, from: "2001:db8:7:a::1", to: detector, world: world) == nil, "the next /64")
        let raised = try await alerts(world)
        #expect(raised.map(\.kind) == [.addressBlocked])
        #expect(raised.first?.address == "2001:db8:7:9::/64", "the alert names what is blocked")
    }

    @Test func failuresOutsideTheWindowDoNotAddUp() async throws {
        let world = try await GatewayWorld.make()
        let detector = try detector(world, after: 3, window: 10)
        for _ in 0..<6 {
            _ = try await present("atr_wrong", from: "198.51.100.7", to: detector, world: world)
            clock.advance(by: 6)
        }
        #expect(try await present(world.keys["bob"]!, from: "198.51.100.7", to: detector, world: world) == nil)
        #expect(try await alerts(world).isEmpty)
    }

    @Test func anUnknownAddressIsNeverBlocked() async throws {
        let world = try await GatewayWorld.make()
        let detector = try detector(world, after: 1)
        _ = try await present("atr_wrong", from: nil, to: detector, world: world)
        #expect(try await present(world.keys["bob"]!, from: nil, to: detector, world: world) == nil)
    }

    @Test func aRevokedKeyRaisesAnAlertNamingItsPrefixAndTeamNeverTheKey() async throws {
        let world = try await GatewayWorld.make()
        let detector = try detector(world)
        let alice = try await world.principal("alice")
        let issued = try await world.gateway.administration.issueKey(
            KeyIssueOrder(user: "bob", team: "acme/sales"), principal: alice, audit: world.audit())
        _ = try await world.gateway.administration.revokeKey(issued.record.id.rawValue, principal: alice, audit: world.audit())
        let refusal = try await present(issued.secret.revealed, from: "192.0.2.1", to: detector, world: world)
        #expect(refusal?.code == "invalid_api_key")
        let alert = try #require(try await alerts(world).first)
        #expect(alert.kind == .revokedKeyUse && alert.teamID == world.sales.id && alert.organizationID == world.acme.id)
        #expect(alert.keyPrefix == issued.record.prefix && alert.address == "192.0.2.1")
        #expect(!alert.detail.contains(issued.secret.revealed))
    }

    @Test func crossTeamAttemptsAndEscalationsRaiseAlertsWithoutTheOtherTeamsIds() async throws {
        let world = try await GatewayWorld.make()
        let detector = try detector(world)
        let alice = try await world.principal("alice")
        let admin = world.gateway.administration
        func attempt(by principal: Principal, _ operation: (RequestAudit) async throws -> Void) async {
            let audit = world.audit()
            audit.authenticated(principal)  // as the authentication middleware does
            await #expect(throws: GatewayError.self) { try await operation(audit) }
            await detector.requestEnded(audit, address: "192.0.2.5", presentedKey: true)
            await detector.settled()
            world.gateway.accountant.finish(audit)
        }
        await attempt(by: alice) { audit in _ = try await admin.profile(of: "acme/development", principal: alice, audit: audit) }
        await attempt(by: alice) { audit in
            _ = try await admin.setLimits(try TeamLimits(requestsPerMinute: 1000), of: "acme/sales", principal: alice, audit: audit)
        }
        let bob = try await world.principal("bob")
        await attempt(by: bob) { audit in
            _ = try await admin.issueKey(KeyIssueOrder(user: "bob", team: "acme/sales", role: "admin"), principal: bob, audit: audit)
        }
        let raised = try await alerts(world)
        #expect(raised.map(\.kind) == [.roleEscalation, .roleEscalation, .crossTeamAttempt])
        #expect(raised.allSatisfy { $0.teamID == world.sales.id && $0.address == "192.0.2.5" })
        #expect(raised.last?.detail == "profile.read refused: the resource belongs to another team or organization")
        #expect(raised.allSatisfy { !$0.detail.contains(world.development.id.rawValue) })
        #expect(raised[1].detail.hasPrefix("limits.set refused"))

        // An ordinary refusal is no alert.
        let vic = try await world.principal("vic")
        let audit = world.audit()
        await #expect(throws: GatewayError.self) { try await admin.members(of: "acme/sales", principal: vic, audit: audit) }
        await detector.requestEnded(audit, address: "192.0.2.5", presentedKey: true)
        await detector.settled()
        #expect(try await alerts(world).count == 3)
    }
}

/// One key repeating an alert-raising request floods no one: repeats within a minute of the
/// recorded alert are folded, the next one after it says how many; another key's or another
/// kind's alerts are never folded with them.
@Suite struct AlertRepeatsTests {
    @Test func repeatsAreFoldedIntoTheNextAlertAfterTheWindow() async throws {
        let world = try await GatewayWorld.make()
        let clock = ManualClock()
        let detector = IntrusionDetector(
            policy: try IntrusionPolicy(failuresBeforeBlock: 100, windowSeconds: 60, blockSeconds: 300),
            store: world.store, logger: .init(label: "test"), now: { clock.now })
        let admin = world.gateway.administration
        func reach(as name: String, for team: String) async throws {
            let principal = try await world.principal(name)
            let audit = world.audit()
            audit.authenticated(principal)
            await #expect(throws: GatewayError.self) { _ = try await admin.profile(of: team, principal: principal, audit: audit) }
            await detector.requestEnded(audit, address: "192.0.2.5", presentedKey: true)
            await detector.settled()
            world.gateway.accountant.finish(audit)
        }
        for _ in 0..<50 { try await reach(as: "alice", for: "acme/development") }
        try await reach(as: "bob", for: "acme/development")
        func alerts() async throws -> [Alert] {
            try await world.store.alerts.alerts(visibleTo: world.principal("owner"), filter: AlertFilter()).map(\.alert)
        }
        var raised = try await alerts()
        #expect(raised.count == 2, "alice's 50 attempts and bob's one: \(raised.map(\.detail))")
        #expect(raised.allSatisfy { !$0.detail.contains("folded") })
        clock.advance(by: 61)
        try await reach(as: "alice", for: "acme/development")
        raised = try await alerts()
        #expect(raised.count == 3)
        #expect(raised.first?.detail.hasSuffix("(and 49 more like it since the last such alert, folded into this one)") == true)
    }
}

/// Denials answer without waiting for their alert: response time never tells another tenant's
/// existing resources (alerted) from missing ones.
@Suite struct AlertOffTheResponsePathTests {
    @Test func aCrossTeamDenialReturnsBeforeItsAlertIsWritten() async throws {
        let world = try await GatewayWorld.make()
        let detector = IntrusionDetector(policy: .standard, store: world.store, logger: .init(label: "test"))
        let alice = try await world.principal("alice")
        let audit = world.audit()
        audit.authenticated(alice)
        await #expect(throws: GatewayError.self) {
            _ = try await world.gateway.administration.profile(of: "acme/development", principal: alice, audit: audit)
        }

        // Hold the database's writer, so no alert can be written until released.
        let gate = DispatchSemaphore(value: 0)
        let holding = Flag()
        let holder = Task {
            try await world.store.pool.write { _ in
                holding.value.withLock { $0 = true }
                gate.wait()
            }
        }
        while !holding.value.withLock({ $0 }) { await Task.yield() }
        // A safety release: were the alert written on the response path, `requestEnded` would
        // wait for the writer; the release lets it finish, and the check below then fails.
        let release = Task.detached {
            try? await Task.sleep(for: .seconds(3))
            gate.signal()
        }
        await detector.requestEnded(audit, address: "192.0.2.7", presentedKey: true)
        let writtenBeforeAnswering = try await world.store.alerts.alerts(
            visibleTo: world.principal("owner"), filter: AlertFilter())
        #expect(writtenBeforeAnswering.isEmpty, "the denial waited for its alert")
        release.cancel()
        gate.signal()
        try await holder.value
        await detector.settled()
        let raised = try await world.store.alerts.alerts(visibleTo: world.principal("owner"), filter: AlertFilter())
        #expect(raised.map(\.alert.kind) == [.crossTeamAttempt])
        #expect(raised.first?.alert.targetTeamID == world.development.id)
    }
}

/// A flag shared with the writer's queue.
private final class Flag: Sendable {
    let value = Mutex(false)
}
