import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Testing

/// Two `atrium serve` processes on one PostgreSQL database, over real HTTP, as two replicas
/// behind a load balancer: a team's requests per minute hold across both, and an address
/// blocked through one is refused by the other.
@Suite struct SharedLimitsServeTests {
    static let ownerKey = "atrium-owner-key-for-shared-limits-tests"

    @Test func twoReplicasShareRequestsPerMinuteAndAddressBlocks() async throws {
        try await DatabaseCommandTests.withEmptyDatabase { url in
            let mock = try MockUpstream()
            let arguments = ["--model", "mock", "--database", url, "--block-after", "3"]
            let environment = ["ATRIUM_ADMIN_KEY": Self.ownerKey]
            let first = try await ServerProcess(
                upstream: mock.baseURL, extraArguments: arguments + ["--migrate"], environment: environment)
            let second = try await ServerProcess(upstream: mock.baseURL, extraArguments: arguments, environment: environment)
            let replicas = [first, second].map { LiveClient(baseURL: $0.baseURL, client: HTTPClient.shared) }
            let (key, _) = try await GracefulShutdownTests.salesKey(replicas[0], owner: Self.ownerKey)
            let limits = try await replicas[0].call(
                "PUT", "/v1/admin/teams/acme%2Fsales/limits", key: Self.ownerKey, json: ["requests_per_minute": 5])
            #expect(limits.status == 200, "\(limits.body)")
            let chat: [String: Any] = ["model": "default", "messages": [["role": "user", "content": "Hello"]]]
            let start = ContinuousClock.now
            for index in 0..<5 {
                let answer = try await replicas[index % 2].call("POST", "/v1/chat/completions", key: key, json: chat)
                #expect(answer.status == 200, "request \(index + 1) of 5: \(answer.body)")
            }
            // The bucket refills one request every 12 s of the real clock, which a loaded host
            // may spend here: each replica may serve only what the elapsed time earned, then 429.
            var served = 0
            for replica in replicas {
                var refused: HTTPAnswerLive?
                for _ in 0..<10 where refused == nil {
                    let answer = try await replica.call("POST", "/v1/chat/completions", key: key, json: chat)
                    if answer.status == 200 { served += 1 } else { refused = answer }
                }
                #expect(refused?.status == 429 && refused?.body.contains("requests_per_minute_exceeded") == true)
                #expect(refused?.headers["retry-after"] != nil)
            }
            let earned = Int((ContinuousClock.now - start).components.seconds / 12)
            #expect(served <= earned, "past the 5, only refills: \(served) served, \(earned) earned")
            // Three failed keys, through both replicas, block the address at both.
            for index in 0..<3 {
                #expect(try await replicas[index % 2].call("GET", "/v1/models", key: "atr_wrong_\(index)").status == 401)
            }
            for replica in replicas {
                let blocked = try await replica.call("GET", "/v1/admin/orgs", key: Self.ownerKey)
                #expect(blocked.status == 429 && blocked.body.contains("address_blocked"), "\(blocked.body)")
            }
            #expect(await first.stop() == 0)
            #expect(await second.stop() == 0)
        }
    }
}
