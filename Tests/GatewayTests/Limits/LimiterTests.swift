import Foundation
@testable import Gateway
@testable import Tenancy
import Testing

/// The limit counters alone, against a clock that only moves when told: one test per limit
/// kind, and the rules that hold for all (a refusal takes nothing; team and key both apply).
@Suite struct LimiterTests {
    static let sales = TeamReference(id: TeamID(rawValue: "team_sales"), organizationID: OrganizationID(rawValue: "org_acme"))
    static let bobKey = APIKeyID(rawValue: "key_bob")
    static let month = "2026-09"

    /// Bob's scope in sales, made as the authenticate stage makes it (the internal
    /// initializers are reachable here only through `@testable`).
    static let scope: TenantScope = {
        let record = APIKeyRecord(
            id: bobKey, prefix: "atr_test", hash: APIKeyHash(of: "k"), name: nil, userID: UserID(rawValue: "usr_bob"),
            binding: .team(sales), role: .member, createdAt: Date(), createdBy: nil, expiresAt: nil, revokedAt: nil,
            lastUsedAt: nil)
        return Principal(identity: KeyIdentity(record), role: .member, rights: []).tenantScope!
    }()

    let clock = ManualClock()
    let limiter = Limiter()

    func admission(_ subjects: [LimitSubject]) -> Admission {
        Admission(
            counters: limiter, subjects: subjects, scope: Self.scope, lease: UUID().uuidString, month: Self.month,
            now: { [clock] in clock.now })
    }

    func subjects(team: TeamLimits = .unlimited, key: KeyLimits = .unlimited) -> [LimitSubject] {
        [
            LimitSubject(
                owner: .team(Self.sales), requestsPerMinute: team.requestsPerMinute, tokensPerMinute: team.tokensPerMinute,
                maxConcurrent: team.maxConcurrent),
            LimitSubject(
                owner: .key(Self.bobKey), requestsPerMinute: key.requestsPerMinute, tokensPerMinute: key.tokensPerMinute,
                maxConcurrent: key.maxConcurrent),
        ]
    }

    func admit(_ subjects: [LimitSubject], budget: Int? = nil) -> LimitExceeded? {
        limiter.admit(subjects, team: Self.sales, month: Self.month, monthlyBudget: budget, at: clock.now)
    }

    /// Admits and at once ends a request that used nothing.
    func request(_ subjects: [LimitSubject]) -> LimitExceeded? {
        let refusal = admit(subjects)
        if refusal == nil { limiter.release(subjects, tokensBack: 0, requestBack: false) }
        return refusal
    }

    @Test func requestsPerMinuteAllowABurstThenRefillAtTheirRate() throws {
        let limited = subjects(team: try TeamLimits(requestsPerMinute: 3))
        for _ in 0..<3 { #expect(request(limited) == nil) }
        let refusal = try #require(request(limited))
        #expect(refusal.reason == .requestRateExceeded)
        #expect(refusal.retryAfter == 20, "one request every 20 s at 3 per minute")
        #expect(refusal.error.kind == .rateLimited && refusal.error.retryAfter == 20)
        clock.advance(by: 19)
        #expect(request(limited)?.retryAfter == 1, "19.0 s earn 0.95 of a request: ceil of the rest")
        clock.advance(by: 1)
        #expect(request(limited) == nil)
        #expect(request(limited) != nil)
        clock.advance(by: 600)
        for _ in 0..<3 { #expect(request(limited) == nil) }
        #expect(request(limited) != nil, "an idle bucket refills to its size, not beyond")
    }

    @Test func tokensPerMinuteAreChargedUpFrontAndTheDifferenceRefundedAtTheEnd() throws {
        let limited = subjects(team: try TeamLimits(tokensPerMinute: 600))
        #expect(admit(limited) == nil)
        #expect(limiter.reserve(500, for: limited, at: clock.now) == nil)
        // Settled at 100 tokens really used: 400 come back.
        limiter.release(limited, tokensBack: 400, requestBack: false)
        #expect(admit(limited) == nil)
        #expect(limiter.reserve(500, for: limited, at: clock.now) == nil, "500 of 600 fit after the refund")
        #expect(admit(limited) == nil)
        let refusal = try #require(limiter.reserve(100, for: limited, at: clock.now))
        #expect(refusal.reason == .tokenRateExceeded)
        #expect(refusal.retryAfter == 10, "100 tokens at 10 per second")
        clock.advance(by: 10)
        #expect(limiter.reserve(100, for: limited, at: clock.now) == nil)
    }

    @Test func aRequestLargerThanTheWholeBucketRunsOnAFullBucketAndLeavesADebt() throws {
        let limited = subjects(team: try TeamLimits(tokensPerMinute: 60))
        #expect(limiter.reserve(90, for: limited, at: clock.now) == nil, "a full bucket admits it")
        let refusal = try #require(limiter.reserve(1, for: limited, at: clock.now))
        #expect(refusal.retryAfter == 31, "30 tokens of debt and 1 more at 1 per second")
    }

    @Test func concurrentRequestsAreCappedUntilOneEnds() throws {
        let limited = subjects(key: try KeyLimits(maxConcurrent: 2))
        #expect(admit(limited) == nil)
        #expect(admit(limited) == nil)
        let refusal = try #require(admit(limited))
        #expect(refusal.reason == .concurrencyExceeded && refusal.retryAfter == 1)
        #expect(refusal.message.hasPrefix("This key's"))
        #expect(limiter.running(.key(Self.bobKey)) == 2)
        limiter.release(limited, tokensBack: 0, requestBack: false)
        #expect(admit(limited) == nil)
    }

    @Test func theMonthlyBudgetCountsFinishedRequestsUntilTheNextUTCMonth() throws {
        let limited = subjects()
        limiter.installMonth(Self.month, tokens: 900, for: Self.sales)
        #expect(admit(limited, budget: 1000) == nil)
        limiter.release(limited, tokensBack: 0, requestBack: false)
        limiter.settle(100, team: Self.sales, month: Self.month)
        #expect(limiter.monthlyTokens(of: Self.sales, month: Self.month) == 1000)
        let refusal = try #require(admit(limited, budget: 1000))
        #expect(refusal.reason == .monthlyBudgetExhausted)
        #expect(refusal.error.kind == .quotaExhausted)
        let september30 = try Date("2026-09-30T23:59:00Z", strategy: .iso8601)
        clock.set(september30)
        #expect(admit(limited, budget: 1000)?.retryAfter == 60, "a minute until October, UTC")
        #expect(admit(limited, budget: 2000) == nil, "a raised budget applies at once")
        limiter.installMonth("2026-10", tokens: 0, for: Self.sales)
        #expect(limiter.monthlyTokens(of: Self.sales, month: "2026-10") == 0)
        limiter.settle(50, team: Self.sales, month: Self.month)
        #expect(limiter.monthlyTokens(of: Self.sales, month: "2026-10") == 0, "last month's late finish counts there, not here")
    }

    @Test func aRefusalTakesNothingFromTheLimitsThatStillHadRoom() throws {
        // The team has room; the key does not: the team's request and slot stay untouched.
        let limited = subjects(team: try TeamLimits(requestsPerMinute: 2, maxConcurrent: 5), key: try KeyLimits(requestsPerMinute: 1))
        #expect(admit(limited) == nil)
        #expect(admit(limited)?.reason == .requestRateExceeded)
        #expect(limiter.running(.team(Self.sales)) == 1)
        let otherKey = [limited[0], LimitSubject(owner: .key(APIKeyID(rawValue: "key_vic")), requestsPerMinute: nil, tokensPerMinute: nil, maxConcurrent: nil)]
        #expect(admit(otherKey) == nil, "the team's second request is still there for another key")
        #expect(admit(otherKey)?.reason == .requestRateExceeded)
    }

    @Test func aCancelledAdmissionGivesBackItsRequestSlotAndTokens() async throws {
        let limited = subjects(team: try TeamLimits(requestsPerMinute: 1, tokensPerMinute: 100, maxConcurrent: 1))
        #expect(admit(limited) == nil)
        let admission = self.admission(limited)
        try await admission.reserve(tokens: 100)
        await admission.cancel()
        await admission.cancel()
        #expect(limiter.running(.team(Self.sales)) == 0)
        #expect(admit(limited) == nil, "the request came back")
        #expect(limiter.reserve(100, for: limited, at: clock.now) == nil, "and the tokens")
    }

    @Test func aReservationOverTheLimitGivesTheWholeAdmissionBack() async throws {
        let limited = subjects(team: try TeamLimits(requestsPerMinute: 1, tokensPerMinute: 10))
        #expect(admit(limited) == nil)
        let admission = self.admission(limited)
        #expect(limiter.reserve(10, for: limited, at: clock.now) == nil)
        await #expect(throws: LimitExceeded.self) { try await admission.reserve(tokens: 5) }
        #expect(limiter.running(.team(Self.sales)) == 0)
        #expect(admit(limited) == nil, "its request is back")
    }

    @Test func aDroppedAdmissionNeverLeaksItsSlot() async throws {
        let limited = subjects(team: try TeamLimits(maxConcurrent: 1))
        do {
            #expect(admit(limited) == nil)
            _ = self.admission(limited)
        }
        // Given back in a task of its own (the counters may be a round trip away).
        for _ in 0..<500 where limiter.running(.team(Self.sales)) != 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(limiter.running(.team(Self.sales)) == 0)
    }

    @Test func aFinishedAdmissionSettlesAgainstWhatWasUsed() async throws {
        let limited = subjects(team: try TeamLimits(tokensPerMinute: 100))
        limiter.installMonth(Self.month, tokens: 0, for: Self.sales)
        #expect(admit(limited) == nil)
        let admission = self.admission(limited)
        try await admission.reserve(tokens: 80)
        await admission.finish(Usage(promptTokens: 10, completionTokens: 20))
        await admission.cancel()
        #expect(limiter.monthlyTokens(of: Self.sales, month: Self.month) == 30)
        #expect(limiter.reserve(70, for: limited, at: clock.now) == nil, "50 of the 80 came back")
        #expect(limiter.reserve(1, for: limited, at: clock.now) != nil)
    }
}
