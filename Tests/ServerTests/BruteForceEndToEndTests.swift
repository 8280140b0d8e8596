import AtriumTestSupport
import Foundation
import Testing

/// Intrusion detection over real HTTP: 50 wrong keys from one address block it (429 with
/// `Retry-After`) and raise an alert; the right key from that address is refused too, while
/// from another address it still works. Behind `--trust-forwarded-for` the address is
/// `X-Forwarded-For`'s; without it the header is ignored, so a client cannot pick its own.
@Suite(.serialized) struct BruteForceEndToEndTests {
    static let attacker = "203.0.113.50"
    static let colleague = "203.0.113.51"

    @Test func fiftyWrongKeysBlockTheAddressAndRaiseAnAlertWhileOtherAddressesWork() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL,
            extraArguments: ["--model", "mock", "--trust-forwarded-for", "--block-after", "20", "--block-seconds", "300"])
        let http = LiveExchange(baseURL: server.baseURL)
        let owner = server.ownerKey
        let sue = try await http.member(owner: owner, org: "acme", team: "sales", user: "sue", role: "member")
        #expect(try await http.chat(key: sue.key, forwardedFor: Self.attacker).status == 200, "the right key, before")

        var statuses: [Int] = []
        // The block begins while the last refused-but-unblocked key (the 20th) is answered:
        // no earlier than when that one was sent.
        var lastUnblocked: ContinuousClock.Instant?
        for attempt in 0..<50 {
            let wrong = "atr_" + String(repeating: "x", count: 28) + String(format: "%04d", attempt)
            let sent = ContinuousClock.now
            let answer = try await http.call("GET", "/v1/models", key: wrong, forwardedFor: Self.attacker)
            statuses.append(answer.status)
            if answer.status == 401 { lastUnblocked = sent }
            if answer.status == 429 {
                #expect(answer.retryAfter.map { (1...300).contains($0) } == true)
                #expect(answer.error["code"] as? String == "address_blocked")
            }
        }
        #expect(statuses.prefix(20).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.dropFirst(20).allSatisfy { $0 == 429 }, "\(statuses)")

        // The blocked path: even the right key is refused from that address.
        let blocked = try await http.chat(key: sue.key, forwardedFor: Self.attacker)
        #expect(blocked.status == 429 && blocked.error["code"] as? String == "address_blocked")
        // The block counts down from when it began (a loaded machine may take a while to get
        // here): at most 300 s, and no less than what is left of it by our own clock, give or
        // take the header's rounding to whole seconds.
        let elapsed = ContinuousClock.now - (lastUnblocked ?? .now)
        let passed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(blocked.retryAfter.map { $0 <= 300 && Double($0) >= 300 - passed - 1 } == true,
                "\(blocked.headers), \(passed) s since the block could have begun")
        // The unblocked path: the right key from another address, and from the socket's own.
        #expect(try await http.chat(key: sue.key, forwardedFor: Self.colleague).status == 200)
        #expect(try await http.chat(key: sue.key, forwardedFor: "192.0.2.1, \(Self.colleague)").status == 200)
        #expect(try await http.chat(key: sue.key).status == 200)
        // A made-up first entry does not help the attacker: the proxy's last entry counts.
        #expect(try await http.chat(key: sue.key, forwardedFor: "\(Self.colleague), \(Self.attacker)").status == 429)

        let alerts = try await http.call("GET", "/v1/admin/alerts", key: owner)
        let blockAlerts = alerts.data.filter { $0["kind"] as? String == "address_blocked" }
        #expect(blockAlerts.count == 1, "\(alerts.body)")
        #expect(blockAlerts.first?["address"] as? String == Self.attacker)
        #expect((blockAlerts.first?["detail"] as? String)?.contains("20 failed keys") == true)
        let salesAdminView = try await http.call("GET", "/v1/admin/alerts", key: try await salesAdmin(http, owner: owner))
        #expect(salesAdminView.data.isEmpty, "a brute-force alert about no team is the owner's only")

        // The accounting writer commits in batches: wait for the 32 refusals' records.
        var refusals = 0
        for _ in 0..<100 {
            let audit = try await http.call("GET", "/v1/admin/audit?limit=1000", key: owner)
            refusals = audit.data.filter { $0["reason"] as? String == "address_blocked" }.count
            if refusals >= 32 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(refusals == 32)
    }

    @Test func withoutTrustForwardedForTheHeaderCannotChooseTheAddress() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL, extraArguments: ["--model", "mock", "--block-after", "3", "--block-seconds", "10"])
        let http = LiveExchange(baseURL: server.baseURL)
        let owner = server.ownerKey
        let sue = try await http.member(owner: owner, org: "acme", team: "sales", user: "sue", role: "member")
        for attempt in 0..<3 {
            let answer = try await http.call("GET", "/v1/models", key: "atr_wrong\(attempt)", forwardedFor: "198.51.100.\(attempt)")
            #expect(answer.status == 401)
        }
        let spoofed = try await http.chat(key: sue.key, forwardedFor: Self.colleague)
        #expect(spoofed.status == 429, "the socket's address is blocked, whatever the header says")
        try await Task.sleep(for: .milliseconds(10_100))
        #expect(try await http.chat(key: sue.key).status == 200, "the block lasts --block-seconds")
        let alerts = try await http.call("GET", "/v1/admin/alerts", key: owner)
        #expect(alerts.data.first?["address"] as? String == "127.0.0.1")
    }

    /// `/metrics` is behind the same door: guessed metrics tokens are failed keys, so the
    /// guesser is blocked like any other, the right token from a blocked address is refused,
    /// and every scrape's audit record keeps the address it came from.
    @Test func metricsTokenGuessesAreCountedAndBlocked() async throws {
        let mock = try MockUpstream()
        let server = try await ServerProcess(
            upstream: mock.baseURL,
            extraArguments: [
                "--model", "mock", "--trust-forwarded-for", "--block-after", "5", "--block-seconds", "300",
                "--metrics-token", "scrape-token-0123456789",
            ])
        let http = LiveExchange(baseURL: server.baseURL)
        #expect(try await http.call("GET", "/metrics", key: "scrape-token-0123456789", forwardedFor: Self.colleague).status == 200)
        var statuses: [Int] = []
        for attempt in 0..<8 {
            statuses.append(try await http.call("GET", "/metrics", key: "scrape-guess-\(attempt)", forwardedFor: Self.attacker).status)
        }
        #expect(statuses == [401, 401, 401, 401, 401, 429, 429, 429], "\(statuses)")
        let blocked = try await http.call("GET", "/metrics", key: "scrape-token-0123456789", forwardedFor: Self.attacker)
        #expect(blocked.status == 429, "the right token from a blocked address")
        #expect(try await http.call("GET", "/metrics", key: "scrape-token-0123456789", forwardedFor: Self.colleague).status == 200)

        // The accounting writer commits in batches: wait for the eleven records.
        var scrapes: [[String: Any]] = []
        for _ in 0..<100 {
            let audit = try await http.call("GET", "/v1/admin/audit?limit=1000", key: server.ownerKey)
            scrapes = audit.data.filter { $0["action"] as? String == "metrics.read" }
            if scrapes.count >= 11 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(scrapes.count == 11, "\(scrapes.count) scrapes audited")
        #expect(scrapes.allSatisfy { [Self.attacker, Self.colleague].contains($0["client_address"] as? String ?? "") })
        #expect(scrapes.filter { $0["client_address"] as? String == Self.attacker }.count == 9)
    }

    private func salesAdmin(_ http: LiveExchange, owner: String) async throws -> String {
        try await http.member(owner: owner, org: "acme", team: "sales", user: "sam", role: "admin").key
    }
}
