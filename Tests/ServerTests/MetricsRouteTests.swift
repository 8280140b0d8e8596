import AtriumTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// `GET /metrics` after real traffic through the router: the scrape parses as Prometheus text
/// and every series of the request path is there with the counts the traffic implies —
/// labelled by team id, route pattern and status, never by a name or a raw path.
@Suite struct MetricsRouteTests {
    static var chat: [String: Any] { ["messages": [["role": "user", "content": "How are sales?"]]] }
    static var streamedChat: [String: Any] { ["stream": true, "messages": [["role": "user", "content": "Stream it"]]] }

    /// Sales: two chats and one stream by bob; development: one chat by carol; three unknown
    /// keys; a member asking for the team's limits; a team admin reaching into development;
    /// an unmatched path; a health check.
    func sendTraffic(_ http: HTTPCaller, _ scenario: Scenario) async throws {
        for _ in 0..<2 { #expect(try await http.call(.post, "/v1/chat/completions", key: scenario["bob"], json: Self.chat).status == 200) }
        #expect(try await http.call(.post, "/v1/chat/completions", key: scenario["bob"], json: Self.streamedChat).status == 200)
        #expect(try await http.call(.post, "/v1/chat/completions", key: scenario["carol"], json: Self.chat).status == 200)
        for attempt in 0..<3 {
            #expect(try await http.call(.get, "/v1/models", key: "atr_wrong\(attempt)").status == 401)
        }
        #expect(try await http.call(.get, "/v1/admin/teams/acme%2Fsales/limits", key: scenario["bob"]).status == 403)
        #expect(try await http.call(.get, "/v1/admin/keys?team=acme/development", key: scenario["alice"]).status == 404)
        #expect(try await http.call(.get, "/v1/secret-project-name/x").status == 404)
        #expect(try await http.call(.get, "/healthz").status == 200)
    }

    @Test func aScrapeAfterTrafficHoldsEverySeriesOfTheRequestPath() async throws {
        let world = try ServerWorld.make()
        let (scrape, scenario) = try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            try await sendTraffic(http, scenario)
            let answer = try await http.call(.get, "/metrics", key: scenario["owner"])
            #expect(answer.status == 200)
            #expect(answer.headers[.contentType]?.hasPrefix("text/plain") == true)
            return (answer.body, scenario)
        }
        let metrics = try PrometheusText(scrape)
        let sales = try #require(scenario.ids["sales"])
        let development = try #require(scenario.ids["development"])
        let chat = "/v1/chat/completions"

        #expect(metrics.types["atrium_requests_total"] == "counter")
        #expect(metrics.value("atrium_requests_total", ["team": sales, "route": chat, "method": "POST", "status": "200"]) == 3)
        #expect(metrics.value("atrium_requests_total", ["team": development, "route": chat, "status": "200"]) == 1)
        #expect(metrics.value("atrium_requests_total", ["team": "none", "route": "/v1/models", "status": "401"]) == 3)
        #expect(metrics.value("atrium_requests_total", ["team": sales, "route": "/v1/admin/teams/{team}/limits", "status": "403"]) == 1)
        #expect(metrics.value("atrium_requests_total", ["route": "unmatched", "status": "404"]) == 1)
        #expect(metrics.value("atrium_requests_total", ["route": "/healthz", "status": "200"]) == 1)

        #expect(metrics.types["atrium_tokens_total"] == "counter")
        #expect(metrics.value("atrium_tokens_total", ["team": sales, "kind": "prompt"]) == 21, "3 × 7 prompt tokens")
        #expect(metrics.value("atrium_tokens_total", ["team": sales, "kind": "completion"]) == 9, "3 × 3 completion tokens")
        #expect(metrics.value("atrium_tokens_total", ["team": development, "kind": "prompt"]) == 7)

        #expect(metrics.types["atrium_time_to_first_token_seconds"] == "histogram")
        #expect(metrics.value("atrium_time_to_first_token_seconds_count", ["team": sales]) == 1, "one streamed answer")
        #expect(metrics.value("atrium_time_to_first_token_seconds_bucket", ["team": sales, "le": "+Inf"]) == 1)
        #expect(metrics.types["atrium_request_duration_seconds"] == "histogram")
        #expect(metrics.value("atrium_request_duration_seconds_count", ["route": chat]) == 4)
        #expect(metrics.value("atrium_request_duration_seconds_sum", ["route": chat]) > 0)

        #expect(metrics.value("atrium_denials_total", ["reason": "unknown_key"]) == 3)
        #expect(metrics.value("atrium_denials_total", ["reason": "role_not_allowed"]) == 1)
        #expect(metrics.value("atrium_denials_total", ["reason": "cross_team_attempt"]) == 1)
        #expect(metrics.value("atrium_auth_failures_total") == 3)

        let teamLabels = Set(metrics.samples.compactMap { $0.labels["team"] })
        #expect(teamLabels == ["none", sales, development], "team labels are ids: \(teamLabels)")
        #expect(!scrape.contains("secret-project-name"), "a raw path never becomes a label")
        #expect(!scrape.contains("\"sales\"") && !scrape.contains("acme"), "no names in labels")
    }

    @Test func onlyTheOwnerKeyOrTheMetricsTokenMayScrape() async throws {
        let token = "scrape-token-0123456789abcdef"
        let world = try ServerWorld.make(metricsToken: token)
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            #expect(try await http.call(.get, "/metrics", key: token).status == 200)
            #expect(try await http.call(.get, "/metrics", key: scenario["owner"]).status == 200)
            for holder in ["dave", "alice", "bob"] {
                let refused = try await http.call(.get, "/metrics", key: scenario[holder])
                #expect(refused.status == 403 && refused.isOpenAIError, "\(holder)")
            }
            #expect(try await http.call(.get, "/metrics").status == 401)
            #expect(try await http.call(.get, "/metrics", key: token + "x").status == 401)
        }
        let records = try await world.auditRecords().filter { $0.action == "metrics.read" }
        #expect(records.count == 7, "every scrape leaves one audit record")
        #expect(records.filter(\.allowed).count == 2)
        // The platform is no tenant: a team or organization key asking for its metrics lacks
        // the role; it is not a cross-team attempt, and raises no alert (attack round 5).
        let refusedKeys = records.filter { !$0.allowed && $0.keyID != nil }
        #expect(refusedKeys.count == 3 && refusedKeys.allSatisfy { $0.reason == "role_not_allowed" }, "\(refusedKeys.map(\.reason))")
    }

    @Test func withoutATokenOnlyKeysAreAccepted() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            _ = try await Scenario.build(http, world: world)
            #expect(try await http.call(.get, "/metrics", key: "").status == 401)
        }
    }
}
