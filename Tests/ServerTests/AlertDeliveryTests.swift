import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Gateway
import Hummingbird
import Logging
import Store
import Synchronization
import Tenancy
import Testing

/// Deliveries to a real receiver on a loopback port: signed with the destination's secret,
/// retried after a failure with the same delivery id, given up after the last attempt, and
/// every outcome visible in `GET …/alert-destinations`.
@Suite struct AlertDeliveryTests {
    /// The deliverer's clock: real time plus what a test adds, so retries come due at once
    /// rather than after a sleep that a loaded machine could overrun.
    final class ShiftedClock: Sendable {
        private let shift = Mutex(0.0)

        func advance(by seconds: TimeInterval) { shift.withLock { $0 += seconds } }
        var now: Date { Date().addingTimeInterval(shift.withLock { $0 }) }
    }

    /// Retries after 60 s, then 120 s (of the shifted clock).
    static func deliverer(
        _ world: ServerWorld, attempts: Int = 3, allowPrivate: Bool = true, clock: ShiftedClock = ShiftedClock(),
        timeout: Duration = .seconds(5)
    ) throws -> (AlertDeliverer, HTTPClient) {
        var policy = try AlertDeliveryPolicy(
            maximumAttempts: attempts, firstRetry: .seconds(60), timeout: timeout, pollInterval: .milliseconds(50))
        policy.allowsPrivateDestinations = allowPrivate
        let client = AlertDeliverer.makeClient(policy: policy)
        let deliverer = AlertDeliverer(
            queue: world.store.alertDeliveries, policy: policy, client: client, logger: Logger(label: "test"),
            now: { clock.now })
        return (deliverer, client)
    }

    /// A cross-team attempt by a sales key, recorded as the intrusion detector would.
    static func raiseAlert(_ world: ServerWorld, scenario: Scenario) async throws -> AlertRecord {
        try await world.store.alerts.record(
            Alert(
                occurredAt: Date(), kind: .crossTeamAttempt, address: "198.51.100.7",
                organizationID: OrganizationID(rawValue: scenario.ids["acme"]!),
                teamID: TeamID(rawValue: scenario.ids["sales"]!),
                keyPrefix: "atr_Sales123", detail: "profile.read refused"))
    }

    /// One destination for acme (added by its admin dave) and one for globex (erin).
    static func addDestinations(
        _ http: HTTPCaller, _ scenario: Scenario, acme: WebhookReceiver, globex: WebhookReceiver
    ) async throws {
        for (organization, admin, receiver) in [("acme", "dave", acme), ("globex", "erin", globex)] {
            let created = try await http.call(
                .post, "/v1/admin/orgs/\(organization)/alert-destinations", key: scenario[admin],
                json: ["url": receiver.url])
            #expect(created.status == 201, "\(created.body)")
        }
    }

    static func delivery(_ http: HTTPCaller, key: String) async throws -> [String: Any] {
        let listed = try await http.call(.get, "/v1/admin/orgs/acme/alert-destinations", key: key)
        return try #require(listed.data.first?["delivery"] as? [String: Any], "\(listed.body)")
    }

    @Test func aFailedDeliveryIsRetriedAndTheReceiverCanVerifyEverySignature() async throws {
        let world = try ServerWorld.make()
        let receiver = try await WebhookReceiver(failingFirst: 1)
        let clock = ShiftedClock()
        let (deliverer, client) = try Self.deliverer(world, clock: clock)
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let dave = scenario["dave"]
            let created = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: dave,
                json: ["url": receiver.url, "teams": ["sales"]])
            let secret = try #require(created.json["secret"] as? String)
            let alert = try await Self.raiseAlert(world, scenario: scenario)
            #expect(try await Self.delivery(http, key: dave)["pending"] as? Int == 1)

            #expect(await deliverer.deliverDue() == 1)
            var status = try await Self.delivery(http, key: dave)
            #expect(status["last_error_status"] as? Int == 500 && status["last_error"] as? String == "http_status")
            #expect(status["pending"] as? Int == 1 && status["last_success_at"] is NSNull)
            #expect(await deliverer.deliverDue() == 0, "the retry waits its turn")

            clock.advance(by: 61)
            #expect(await deliverer.deliverDue() == 1)
            let deliveries = receiver.deliveries
            #expect(deliveries.count == 2)
            #expect(deliveries.allSatisfy { $0.isSigned(by: secret) })
            #expect(!deliveries.contains { $0.isSigned(by: "whsec_someoneelse") })
            #expect(deliveries.map { $0.headers["x-atrium-delivery-attempt"] } == ["1", "2"])
            #expect(Set(deliveries.map { $0.headers["x-atrium-delivery"] }).count == 1, "one id across retries")
            let body = deliveries[1].json
            #expect(body["type"] as? String == "atrium.alert" && body["kind"] as? String == "cross_team_attempt")
            #expect(body["id"] as? Int == Int(alert.id) && body["org"] as? String == scenario.ids["acme"])
            #expect(body["team"] as? String == scenario.ids["sales"] && body["key_prefix"] as? String == "atr_Sales123")
            #expect(body["detail"] as? String == "profile.read refused")

            status = try await Self.delivery(http, key: dave)
            #expect(status["pending"] as? Int == 0 && status["abandoned"] as? Int == 0)
            #expect(
                status["last_success_at"] is String
                    && status["last_attempt_at"] as? String == status["last_success_at"] as? String)
            #expect(status["last_error_status"] as? Int == 500, "the last error stays visible")
        }
        try await client.shutdown()
    }

    @Test func aDeliveryIsGivenUpAfterItsLastAttempt() async throws {
        let world = try ServerWorld.make()
        let receiver = try await WebhookReceiver(failingFirst: 100)
        let clock = ShiftedClock()
        let (deliverer, client) = try Self.deliverer(world, attempts: 2, clock: clock)
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let created = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"], json: ["url": receiver.url])
            #expect(created.status == 201)
            _ = try await Self.raiseAlert(world, scenario: scenario)
            await deliverer.deliverDue()
            clock.advance(by: 61)
            await deliverer.deliverDue()
            clock.advance(by: 1000)
            #expect(await deliverer.deliverDue() == 0)
            #expect(receiver.deliveries.count == 2)
            let status = try await Self.delivery(http, key: scenario["dave"])
            #expect(status["pending"] as? Int == 0 && status["abandoned"] as? Int == 1)
        }
        try await client.shutdown()
    }

    @Test func anUnreachableReceiverIsAConnectionFailureAndStaysQueued() async throws {
        let world = try ServerWorld.make()
        let (deliverer, client) = try Self.deliverer(world)
        let closedPort = try LoopbackPort.free()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            _ = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"],
                json: ["url": "http://127.0.0.1:\(closedPort)/hook"])
            _ = try await Self.raiseAlert(world, scenario: scenario)
            #expect(await deliverer.deliverDue() == 1)
            let status = try await Self.delivery(http, key: scenario["dave"])
            #expect(status["last_error"] as? String == "connection_failed", "\(status)")
            #expect(status["last_error_status"] is NSNull && status["pending"] as? Int == 1)
        }
        try await client.shutdown()
    }

    @Test func globexDestinationsReceiveNothingOfAcmes() async throws {
        let world = try ServerWorld.make()
        let acmeReceiver = try await WebhookReceiver()
        let globexReceiver = try await WebhookReceiver()
        let (deliverer, client) = try Self.deliverer(world)
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            try await Self.addDestinations(http, scenario, acme: acmeReceiver, globex: globexReceiver)
            _ = try await Self.raiseAlert(world, scenario: scenario)
            await deliverer.deliverDue()
            #expect(acmeReceiver.deliveries.count == 1)
            #expect(globexReceiver.deliveries.isEmpty)
        }
        try await client.shutdown()
    }

    /// A receiver that answers and then drips its body holds its sender for the attempt's
    /// timeout at most, and meanwhile another organization's alert goes out at once.
    @Test func aDrippingReceiverHoldsUpNeitherItsSenderNorOtherOrganizations() async throws {
        let world = try ServerWorld.make()
        let dripping = try await WebhookReceiver(dripping: true)
        let globexReceiver = try await WebhookReceiver()
        let (deliverer, client) = try Self.deliverer(world, timeout: .seconds(2))
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            try await Self.addDestinations(http, scenario, acme: dripping, globex: globexReceiver)
            _ = try await Self.raiseAlert(world, scenario: scenario)
            let started = ContinuousClock.now
            let sending = Task { await deliverer.deliverDue() }
            _ = try await dripping.waitFor(1)
            try await world.store.alerts.record(
                Alert(
                    occurredAt: Date(), kind: .roleEscalation, address: nil,
                    organizationID: OrganizationID(rawValue: scenario.ids["globex"]!), detail: "limits.set refused"))
            #expect(try await globexReceiver.waitFor(1, timeout: .seconds(20)).count == 1)
            #expect(ContinuousClock.now - started < .seconds(2), "globex's alert waited for acme's receiver")
            #expect(await sending.value == 2)
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(10), "the attempt took \(elapsed): its deadline did not hold")
            let status = try await Self.delivery(http, key: scenario["dave"])
            #expect(status["pending"] as? Int == 0, "a 2xx is delivered, whatever its body does: \(status)")
        }
        try await client.shutdown()
    }

    @Test func anOrganizationsDestinationInAPrivateNetworkIsNotContactedByDefault() async throws {
        let world = try ServerWorld.make()
        let receiver = try await WebhookReceiver()
        let (deliverer, client) = try Self.deliverer(world, allowPrivate: false)
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            _ = try await http.call(
                .post, "/v1/admin/orgs/acme/alert-destinations", key: scenario["dave"], json: ["url": receiver.url])
            _ = try await Self.raiseAlert(world, scenario: scenario)
            #expect(await deliverer.deliverDue() == 1)
            #expect(receiver.deliveries.isEmpty)
            let status = try await Self.delivery(http, key: scenario["dave"])
            #expect(status["last_error"] as? String == "private_address", "\(status)")
        }
        try await client.shutdown()
    }
}
