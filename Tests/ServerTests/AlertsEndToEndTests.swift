import AtriumTestSupport
import Foundation
import Testing

/// Alerts reach people, over real HTTP with `atrium serve`: a cross-team attempt reaches the
/// attempting organization's webhook and the owner's platform-wide one, a brute-force block
/// the owner's only; every delivery is signed with its destination's secret, a failed one is
/// retried, and a delivery queued while the receiver was down survives a restart.
@Suite(.serialized) struct AlertsEndToEndTests {
    static let attacker = "203.0.113.66"
    static let fastRetries = ["--alert-retry-seconds", "0.2", "--alert-delivery-timeout", "5"]

    @Test func crossTeamAndBruteForceAlertsReachTheirWebhooksSigned() async throws {
        let mock = try MockUpstream()
        let platformReceiver = try await WebhookReceiver(failingFirst: 1)
        let acmeReceiver = try await WebhookReceiver()
        let initechReceiver = try await WebhookReceiver()
        let server = try await ServerProcess(
            upstream: mock.baseURL,
            extraArguments: [
                "--model", "mock", "--trust-forwarded-for", "--block-after", "3", "--block-seconds", "60",
                "--alert-allow-private-destinations",
            ]
                + Self.fastRetries)
        let http = LiveExchange(baseURL: server.baseURL)
        let owner = server.ownerKey
        let sue = try await http.member(owner: owner, org: "acme", team: "sales", user: "sue", role: "member")
        _ = try await http.member(owner: owner, org: "globex", team: "research", user: "rita", role: "member")
        _ = try await http.member(owner: owner, org: "initech", team: "ops", user: "ian", role: "member")

        let platform = try await http.call(
            "POST", "/v1/admin/alert-destinations", key: owner, json: ["url": platformReceiver.url])
        let acme = try await http.call(
            "POST", "/v1/admin/orgs/acme/alert-destinations", key: owner, json: ["url": acmeReceiver.url])
        let initech = try await http.call(
            "POST", "/v1/admin/orgs/initech/alert-destinations", key: owner, json: ["url": initechReceiver.url])
        #expect(
            [platform.status, acme.status, initech.status] == [Int](repeating: 201, count: 3),
            "\(platform.body) \(acme.body)")
        let platformSecret = try #require(platform.json["secret"] as? String)
        let acmeSecret = try #require(acme.json["secret"] as? String)

        // A cross-team attempt: sue's key names globex's team.
        let crossTeam = try await http.call(
            "POST", "/query", key: sue.key, json: ["prompt": "Hi", "team": "globex/research"],
            forwardedFor: "198.51.100.4")
        #expect(crossTeam.status == 403)
        let acmeDeliveries = try await acmeReceiver.waitFor(1)
        #expect(acmeDeliveries.count == 1)
        let acmeAlert = try #require(acmeDeliveries.first)
        #expect(acmeAlert.isSigned(by: acmeSecret) && !acmeAlert.isSigned(by: platformSecret))
        #expect(acmeAlert.json["kind"] as? String == "cross_team_attempt")
        #expect(acmeAlert.json["key_prefix"] as? String == String(sue.key.prefix(12)))
        #expect(!acmeAlert.body.contains(Data(sue.key.utf8)), "never the key")
        #expect(!String(decoding: acmeAlert.body, as: UTF8.self).contains("Hi\""), "never the prompt")

        // A brute force from one address: the owner's alert only.
        for attempt in 0..<3 {
            _ = try await http.call("GET", "/v1/models", key: "atr_wrong\(attempt)", forwardedFor: Self.attacker)
        }
        // The platform receiver fails the first delivery; the retry brings it in.
        let platformDeliveries = try await platformReceiver.waitFor(3)
        #expect(platformDeliveries.allSatisfy { $0.isSigned(by: platformSecret) })
        let platformKinds = Set(platformDeliveries.compactMap { $0.json["kind"] as? String })
        #expect(platformKinds == ["cross_team_attempt", "address_blocked"], "\(platformDeliveries.map(\.json))")
        let blocked = try #require(platformDeliveries.last { $0.json["kind"] as? String == "address_blocked" })
        #expect(blocked.json["address"] as? String == Self.attacker)
        #expect(acmeReceiver.deliveries.count == 1, "a block about no organization is the owner's alone")
        #expect(initechReceiver.deliveries.isEmpty, "another organization's alerts never reach initech")

        // The owner sees how delivery went: one failure (500), then success, nothing pending.
        // The receiver holds the last delivery a moment before the server has read its 200 and
        // recorded it: the listing is read again until it has.
        var listed = try await http.call("GET", "/v1/admin/alert-destinations", key: owner)
        var delivery = try #require(listed.data.first?["delivery"] as? [String: Any], "\(listed.body)")
        let deadline = ContinuousClock.now + .seconds(10)
        while delivery["pending"] as? Int != 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            listed = try await http.call("GET", "/v1/admin/alert-destinations", key: owner)
            delivery = try #require(listed.data.first?["delivery"] as? [String: Any], "\(listed.body)")
        }
        #expect(delivery["last_error_status"] as? Int == 500 && delivery["pending"] as? Int == 0)
        #expect(delivery["last_success_at"] is String)
        #expect(!listed.body.contains(platformSecret))
        #expect(!server.log.contains(platformSecret) && !server.log.contains(acmeSecret), "secrets never in the log")
        #expect(!server.log.contains(platformReceiver.url), "destination URLs never in the log")
    }

    @Test func aDeliveryQueuedWhileTheReceiverWasDownArrivesAfterARestart() async throws {
        let mock = try MockUpstream()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-alerts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["ATRIUM_ADMIN_KEY": "owner-key-for-alert-tests"]
        let receiverPort = try LoopbackPort.free()
        let url = "http://127.0.0.1:\(receiverPort)/hook"
        let secret: String
        do {
            let server = try await ServerProcess(
                home: home, upstream: mock.baseURL, extraArguments: ["--model", "mock"] + Self.fastRetries,
                environment: environment)
            let http = LiveExchange(baseURL: server.baseURL)
            let created = try await http.call(
                "POST", "/v1/admin/alert-destinations", key: server.ownerKey, json: ["url": url])
            secret = try #require(created.json["secret"] as? String)
            let sue = try await http.member(
                owner: server.ownerKey, org: "acme", team: "sales", user: "sue", role: "member")
            _ = try await http.member(
                owner: server.ownerKey, org: "globex", team: "research", user: "rita", role: "member")
            let crossTeam = try await http.call(
                "POST", "/query", key: sue.key, json: ["prompt": "Hi", "team": "globex/research"])
            #expect(crossTeam.status == 403)
            // The receiver is down: the delivery fails and waits for its next attempt.
            let deadline = ContinuousClock.now + .seconds(10)
            var pending: [String: Any] = [:]
            while ContinuousClock.now < deadline {
                let listed = try await http.call("GET", "/v1/admin/alert-destinations", key: server.ownerKey)
                pending = listed.data.first?["delivery"] as? [String: Any] ?? [:]
                if pending["last_error"] as? String != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(
                pending["last_error"] as? String == "connection_failed" && pending["pending"] as? Int == 1, "\(pending)"
            )
            #expect(await server.stop() == 0)
        }
        let receiver = try await WebhookReceiver(port: receiverPort)
        let restarted = try await ServerProcess(
            home: home, upstream: mock.baseURL, extraArguments: ["--model", "mock"] + Self.fastRetries,
            environment: environment)
        let deliveries = try await receiver.waitFor(1)
        #expect(deliveries.count == 1 && deliveries.first?.isSigned(by: secret) == true)
        #expect(deliveries.first?.json["kind"] as? String == "cross_team_attempt")
        #expect(deliveries.first?.headers["x-atrium-delivery-attempt"].flatMap(Int.init).map { $0 >= 2 } == true)
        _ = restarted
    }
}
