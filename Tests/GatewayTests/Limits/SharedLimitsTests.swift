import AtriumTestSupport
import Foundation
@testable import Gateway
import Logging
@testable import Store
import Tenancy
import Testing

/// Two gateways on one PostgreSQL database, as two replicas are: every limit holds across
/// both — a request lands on either and meets the same counters — and a replica that dies
/// holds nothing. (Without `ATRIUM_TEST_POSTGRES_URL` these cases cancel themselves.)
@Suite(.timeLimit(.minutes(3))) struct SharedLimitsTests {
    static let hello = LimitStageTests.hello

    let clock = ManualClock()
    let stages = LimitStageTests()

    /// The first replica (the world's own gateway) and a second one over `backend`.
    func replicas(_ first: ScriptedBackend = ScriptedBackend(), second: ScriptedBackend = ScriptedBackend())
        async throws -> (GatewayWorld, GatewayReplica)
    {
        let clock = clock
        let world = try await GatewayWorld.make(backend: first, now: { clock.now }, database: .postgres)
        return (world, try world.replica(backend: second))
    }

    /// Starts a chat with `key` (a holder's name) through `gateway`.
    func start(_ gateway: Gateway, _ world: GatewayWorld, _ key: String) async throws -> ChatExecution {
        let audit = world.audit("chat")
        defer { gateway.accountant.finish(audit) }
        let principal = try await gateway.authenticator.authenticate(
            authorization: "Bearer \(world.keys[key] ?? key)", audit: audit)
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        return try await gateway.pipeline.chat(Self.hello, in: scope, audit: audit)
    }

    /// The chat's answer, or the error that refused it.
    func outcome(_ gateway: Gateway, _ world: GatewayWorld, _ key: String) async throws -> GatewayError? {
        do {
            _ = try await start(gateway, world, key).collect()
            return nil
        } catch let error as GatewayError {
            return error
        }
    }

    @Test func theSixthRequestOfAMinuteIsRefusedWhicheverReplicaItReaches() async throws {
        let (world, second) = try await replicas()
        try await stages.setSalesLimits(world, try TeamLimits(requestsPerMinute: 5))
        for index in 0..<5 {
            let gateway = index.isMultiple(of: 2) ? world.gateway : second.gateway
            #expect(try await outcome(gateway, world, "bob") == nil, "request \(index + 1) of 5")
        }
        for gateway in [world.gateway, second.gateway] {
            let refused = try #require(try await outcome(gateway, world, "vic"))
            #expect(refused.code == "requests_per_minute_exceeded" && refused.retryAfter == 12)
        }
        #expect(world.backend.requests.count + second.backend.requests.count == 5)
        clock.advance(by: 12)
        #expect(try await outcome(second.gateway, world, "bob") == nil, "one more every 12 s, wherever")
        #expect(try await outcome(world.gateway, world, "bob")?.code == "requests_per_minute_exceeded")
    }

    @Test func oneRequestAtOnceMeansOneAcrossReplicas() async throws {
        let (world, second) = try await replicas(ScriptedBackend(.hang(["partial"])), second: ScriptedBackend(.hang(["more"])))
        try await stages.setSalesLimits(world, try TeamLimits(maxConcurrent: 1))
        var first: ChatExecution? = try await start(world.gateway, world, "bob")
        let refused = try #require(try await outcome(second.gateway, world, "vic"))
        #expect(refused.code == "max_concurrent_exceeded")
        #expect(try await outcome(world.gateway, world, "vic")?.code == "max_concurrent_exceeded")
        first?.cancel()
        first = nil
        let scope = try #require(try await world.principal("bob").tenantScope)
        try await stages.waitUntil {
            try await second.gateway.pipeline.limits.counters.running(.team(world.sales.reference), scope: scope) == 0
        }
        let next = try await start(second.gateway, world, "vic")
        #expect(try await outcome(world.gateway, world, "bob")?.code == "max_concurrent_exceeded")
        next.cancel()
    }

    @Test func aDeadReplicasSlotsAreFreedForTheOthers() async throws {
        let (world, second) = try await replicas(ScriptedBackend(.hang(["partial"])), second: ScriptedBackend(.hang(["more"])))
        try await stages.setSalesLimits(world, try TeamLimits(maxConcurrent: 1))
        let stuck = try await start(world.gateway, world, "bob")
        #expect(try await outcome(second.gateway, world, "vic")?.code == "max_concurrent_exceeded")
        // What PostgreSQL sees of a `kill -9`: the replica's connections, its lock's among them, end.
        await world.store.sharedLimits?.abandonReplica()
        // PostgreSQL frees the lock once its server process has seen the connection end.
        var next: ChatExecution?
        for _ in 0..<500 where next == nil {
            do {
                next = try await start(second.gateway, world, "vic")
            } catch let error as GatewayError where error.code == "max_concurrent_exceeded" {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(next != nil, "the dead replica's slot was freed")
        next?.cancel()
        stuck.cancel()
    }

    @Test func aMonthUsedUpThroughOneReplicaIsUsedUpAtTheOther() async throws {
        let (world, second) = try await replicas()
        try await stages.setSalesLimits(world, try TeamLimits(monthlyTokens: 15))
        #expect(try await outcome(world.gateway, world, "bob") == nil)  // 10 tokens
        #expect(try await outcome(second.gateway, world, "bob") == nil)  // 20: admitted below the budget
        for gateway in [world.gateway, second.gateway] {
            let refused = try #require(try await outcome(gateway, world, "vic"))
            #expect(refused.kind == .quotaExhausted && refused.code == "monthly_tokens_exhausted")
        }
    }

    @Test func anAddressBlockedThroughOneReplicaIsRefusedByTheOtherAndAlertedOnce() async throws {
        let (world, second) = try await replicas()
        let clock = clock
        let policy = try IntrusionPolicy(failuresBeforeBlock: 3, windowSeconds: 60, blockSeconds: 300)
        let detectors = [world.store, second.store].map {
            IntrusionDetector(policy: policy, store: $0, logger: Logger(label: "test"), now: { clock.now })
        }
        func present(_ key: String, from address: String, to detector: IntrusionDetector) async throws -> GatewayError? {
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
        // Failures through both replicas count towards one threshold.
        for (attempt, detector) in [detectors[0], detectors[1], detectors[0]].enumerated() {
            #expect(try await present("atr_wrong\(attempt)", from: "198.51.100.9", to: detector)?.kind == .unauthenticated)
        }
        for detector in detectors {
            let blocked = try #require(try await present(world.keys["bob"]!, from: "198.51.100.9", to: detector))
            #expect(blocked.code == "address_blocked" && blocked.retryAfter == 300)
            #expect(try await present("atr_wrong", from: "198.51.100.9", to: detector)?.code == "address_blocked")
        }
        #expect(try await present(world.keys["bob"]!, from: "198.51.100.10", to: detectors[1]) == nil)
        let owner = try await world.principal("owner")
        let alerts = try await world.store.alerts.alerts(visibleTo: owner, filter: AlertFilter()).map(\.alert)
        #expect(alerts.filter { $0.kind == .addressBlocked }.count == 1, "one alert per block, not one per replica")
        clock.advance(by: 300)
        #expect(try await present(world.keys["bob"]!, from: "198.51.100.9", to: detectors[1]) == nil, "the block ended")
    }
}
