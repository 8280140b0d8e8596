import Foundation
import Gateway
import Tenancy
import Testing

/// The limits form: an empty field means unlimited (weight: 1), a field left out of the post is
/// refused next to that field and changes nothing — it once read as empty, so a hand-made post
/// that left `monthly_tokens` out silently lifted the team's monthly budget.
@Suite struct LimitsPageTests {
    /// Every field the page's form sends.
    static let fields = ["requests_per_minute", "tokens_per_minute", "max_concurrent", "monthly_tokens", "weight"]
    static let set = [
        "requests_per_minute": "30", "tokens_per_minute": "5000", "max_concurrent": "2", "monthly_tokens": "100000",
        "weight": "2",
    ]

    @Test func aFieldLeftOutIsRefusedAndLiftsNoLimit() async throws {
        let limits = try await Self.withLimitsSet { browser, path, csrf in
            for absent in Self.fields {
                let form = Self.fields.filter { $0 != absent }.map { ($0, "") } + [("csrf", csrf)]
                let refused = try await browser.post(path, form: form)
                #expect(refused.status == 400, "\(absent)")
                let id = absent.replacingOccurrences(of: "_", with: "-") + "-error"
                #expect(refused.body.contains(#"id="\#(id)""#), "\(absent)")
                let label = absent.replacingOccurrences(of: "_", with: " ")
                #expect(refused.body.contains("\(label) was not sent"), "\(absent)")
            }
        }
        #expect(limits.requestsPerMinute == 30)
        #expect(limits.tokensPerMinute == 5000)
        #expect(limits.maxConcurrent == 2)
        #expect(limits.monthlyTokens == 100_000)
        #expect(limits.weight == 2)
    }

    @Test func everyFieldSentEmptyMeansUnlimitedAndAWeightOfOne() async throws {
        let limits = try await Self.withLimitsSet { browser, path, csrf in
            let emptied = try await browser.post(path, form: Self.fields.map { ($0, "") } + [("csrf", csrf)])
            #expect(emptied.status == 303)
        }
        #expect(limits.requestsPerMinute == nil)
        #expect(limits.tokensPerMinute == nil)
        #expect(limits.maxConcurrent == nil)
        #expect(limits.monthlyTokens == nil)
        #expect(limits.weight == 1)
    }

    /// Signs acme's admin in, saves ``set`` as the sales team's limits through the form, runs
    /// `body` with the form's path and CSRF token, and returns the team's limits afterwards.
    static func withLimitsSet(
        _ body: @escaping @Sendable (ConsoleBrowser, String, String) async throws -> Void
    ) async throws -> TeamLimits {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let path = "/console/teams/\(try await world.teamID("acme/sales"))/limits"
        try await world.test { browser in
            try await browser.signIn(keys["dave"]!)
            let csrf = try await browser.csrf()
            let saved = try await browser.post(path, form: Self.fields.map { ($0, Self.set[$0]!) } + [("csrf", csrf)])
            #expect(saved.status == 303)
            try await body(browser, path, csrf)
        }
        return try await limits(world, keys)
    }

    /// The sales team's limits, as acme's admin reads them through the service.
    static func limits(_ world: ConsoleWorld, _ keys: [String: String]) async throws -> TeamLimits {
        try await world.gateway.administration.limits(
            of: "acme/sales",
            principal: try await world.gateway.authenticator.authenticate(
                authorization: "Bearer \(keys["dave"]!)", audit: .init(requestID: "t", action: "t", resource: "t")),
            audit: .init(requestID: "t", action: "t", resource: "t"))
    }
}
