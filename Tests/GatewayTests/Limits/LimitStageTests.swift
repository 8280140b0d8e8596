import AtriumTestSupport
import Foundation
import Retrieval
@testable import Gateway
import Store
import Tenancy
import Testing

/// The limit stage inside the chat pipeline, against an injected clock: each limit answers
/// 429 with `Retry-After`, nothing of a refused request runs or is charged, its denial is
/// audited with its reason, and a limit set through the admin service applies to the very
/// next request.
/// (Three minutes: each case runs on both backends, and a whole-suite run on two cores once
/// kept even the in-memory cases waiting past one.)
@Suite(.timeLimit(.minutes(3))) struct LimitStageTests {
    static let hello = ChatRequest(messages: [ChatTurn(role: .user, content: "What do we sell?")])

    let clock = ManualClock()

    func world(_ backend: ScriptedBackend = ScriptedBackend(), database: GatewayDatabase) async throws -> GatewayWorld {
        let clock = clock
        return try await GatewayWorld.make(backend: backend, now: { clock.now }, database: database)
    }

    /// Starts a chat with `key` (a holder's name or a key itself); the audit record is
    /// written when the returned execution's stream ends (or at once when refused).
    func start(_ world: GatewayWorld, _ key: String, _ request: ChatRequest = hello) async throws -> ChatExecution {
        let audit = world.audit("chat")
        defer { world.gateway.accountant.finish(audit) }
        let principal = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(world.keys[key] ?? key)", audit: audit)
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        return try await world.gateway.pipeline.chat(request, in: scope, audit: audit)
    }

    func chat(_ world: GatewayWorld, _ key: String, _ request: ChatRequest = hello) async throws -> ChatCompletion {
        try await start(world, key, request).collect()
    }

    /// The 429 a chat gets, or a recorded issue if it was served.
    func refusal(_ world: GatewayWorld, _ key: String, _ request: ChatRequest = hello) async throws -> GatewayError? {
        do {
            _ = try await chat(world, key, request)
            Issue.record("the chat was served")
            return nil
        } catch let error as GatewayError {
            return error
        }
    }

    func setSalesLimits(_ world: GatewayWorld, _ limits: TeamLimits) async throws {
        let dave = try await world.principal("dave")
        _ = try await world.gateway.administration.setLimits(limits, of: "acme/sales", principal: dave, audit: world.audit())
    }

    /// Requests of `owner` running now (on every replica, where the counters are shared).
    func running(_ world: GatewayWorld, _ owner: LimitSubject.Owner) async throws -> Int {
        let scope = try #require(try await world.principal("bob").tenantScope)
        return try await world.gateway.pipeline.limits.counters.running(owner, scope: scope)
    }

    func running(_ world: GatewayWorld, team: Team) async throws -> Int {
        try await running(world, .team(team.reference))
    }

    @Test(arguments: GatewayDatabase.allCases)
    func overTheRequestsPerMinuteA429IsAuditedAndNothingRunsOrIsCharged(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        try await setSalesLimits(world, try TeamLimits(requestsPerMinute: 2))
        _ = try await chat(world, "bob")
        _ = try await chat(world, "vic")
        let refused = try #require(try await refusal(world, "bob"))
        #expect(refused.kind == .rateLimited && refused.code == "requests_per_minute_exceeded")
        #expect(refused.retryAfter == 30, "2 per minute: one more every 30 s")
        #expect(world.backend.requests.count == 2, "no generation started")
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.map(\.allowed) == [false, true, true])
        #expect(records.first?.reason == "requests_per_minute_exceeded")
        let owner = try await world.principal("owner")
        let usage = try await world.store.usage.report(visibleTo: owner)
        #expect(usage.reduce(0) { $0 + $1.requests } == 2, "the refused request is not charged")
        #expect(try await running(world, team: world.sales) == 0)

        clock.advance(by: 30)
        _ = try await chat(world, "bob")
        #expect(try await refusal(world, "bob")?.retryAfter == 30)
        _ = try await chat(world, "carol")  // development has no limits
    }

    @Test(arguments: GatewayDatabase.allCases)
    func aLimitChangeAppliesToTheVeryNextRequest(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        _ = try await chat(world, "bob")
        try await setSalesLimits(world, try TeamLimits(requestsPerMinute: 1))
        _ = try await chat(world, "bob")
        #expect(try await refusal(world, "bob")?.code == "requests_per_minute_exceeded")
        try await setSalesLimits(world, try TeamLimits(requestsPerMinute: 3))
        _ = try await chat(world, "bob")
        _ = try await chat(world, "bob")
        #expect(try await refusal(world, "bob") != nil, "a raise adds its extra room at once, no more")
        try await setSalesLimits(world, .unlimited)
        _ = try await chat(world, "bob")
    }

    @Test(arguments: GatewayDatabase.allCases)
    func tokensPerMinuteChargeTheEstimateUpFrontAndRefundTheUnusedRest(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        // A chat may use its prompt (~8 tokens estimated) + max_tokens 512; it uses 10.
        try await setSalesLimits(world, try TeamLimits(tokensPerMinute: 600))
        for _ in 0..<5 { _ = try await chat(world, "bob") }
        let greedy = ChatRequest(messages: Self.hello.messages, maxTokens: 100)
        _ = try await chat(world, "bob", greedy)
        #expect(world.backend.requests.count == 6, "each chat's unused reservation came back for the next")
    }

    /// A request that ends early after the embedding model ran for it — its client gone — is
    /// charged those passes, in its limits and its record's usage, not given them back (attack
    /// round 7: hung-up embedding batches of 2,048 inputs were free, and unlimited).
    @Test func aMeteredRequestThatEndsEarlyIsChargedThePassesItGot() async throws {
        let clock = clock
        let embeddings = EmbeddingQueue(embedder: TestDoubleEmbedder(), modelID: "test-double")
        let world = try await GatewayWorld.make(now: { clock.now }, embeddings: embeddings)
        try await setSalesLimits(world, try TeamLimits(tokensPerMinute: 600))
        let scope = try #require(try await world.principal("bob").tenantScope)
        let texts = (0..<20).map { "passage \($0) about refunds, billing and the annual plan" }
        let hungUp = world.audit("embed")
        await #expect(throws: CancellationError.self) {
            try await world.gateway.limits.metered(scope, audit: hungUp) {
                _ = try await embeddings.embed(texts, for: scope, lane: .interactive)
                throw CancellationError()  // the client went away as the answer was being written
            }
        }
        let spent = hungUp.snapshot().usage.promptTokens
        #expect(spent > 0 && spent == texts.reduce(0) { $0 + TestDoubleEmbedder().countTokens($1) }, "\(spent)")
        // 600 a minute, and the clock stands still: what is left no longer holds 600.
        await #expect(throws: GatewayError.self) {
            try await world.gateway.limits.metered(scope, audit: world.audit("embed")) {
                try await LimitStage.reserve(atMost: 600)
            }
        }
        // Nothing embedded: nothing charged.
        let refused = world.audit("embed")
        await #expect(throws: CancellationError.self) {
            try await world.gateway.limits.metered(scope, audit: refused) { throw CancellationError() }
        }
        #expect(refused.snapshot().usage == .zero)
    }

    @Test(arguments: GatewayDatabase.allCases)
    func aRunningStreamHoldsItsTokenReservationAndSlotUntilItEnds(_ database: GatewayDatabase) async throws {
        let world = try await world(ScriptedBackend(.hang(["partial"])), database: database)
        try await setSalesLimits(world, try TeamLimits(tokensPerMinute: 600, maxConcurrent: 5))
        var first: ChatExecution? = try await start(world, "bob")
        #expect(try await running(world, team: world.sales) == 1)
        let refused = try #require(try await refusal(world, "vic"))
        #expect(refused.code == "tokens_per_minute_exceeded")
        // 600 − 520 reserved leaves 80; 520 more need 440 tokens at 10 per second.
        #expect(refused.retryAfter == 44)
        #expect(try await running(world, team: world.sales) == 1, "the refusal gave its slot back")
        first?.cancel()
        first = nil
        try await waitUntil { try await running(world, team: world.sales) == 0 }
        let stillRefused = try #require(try await refusal(world, "vic"))
        #expect(stillRefused.retryAfter == 44, "a cut-off stream reported no usage: its reservation stands")
        clock.advance(by: 44)
        let second = try await start(world, "vic")
        second.cancel()
    }

    @Test(arguments: GatewayDatabase.allCases)
    func aKeysOwnConcurrencyLimitIsReleasedWhenItsStreamEndsHoweverItEnds(_ database: GatewayDatabase) async throws {
        let world = try await world(ScriptedBackend(.hang(["partial"])), database: database)
        let dave = try await world.principal("dave")
        let issued = try await world.gateway.administration.issueKey(
            KeyIssueOrder(user: "bob", team: "acme/sales", name: "single", limits: try KeyLimits(maxConcurrent: 1)),
            principal: dave, audit: world.audit())
        let single = issued.secret.revealed
        var first: ChatExecution? = try await start(world, single)
        let refused = try #require(try await refusal(world, single))
        #expect(refused.code == "max_concurrent_exceeded" && refused.retryAfter == 1)
        #expect(refused.message.hasPrefix("This key's"))
        let bobs = try await start(world, "bob")  // the key's limit, not the team's
        bobs.cancel()
        var iterator = first?.events.makeAsyncIterator()
        #expect(try await iterator?.next() == .delta("partial"))
        #expect(try await running(world, .key(issued.record.id)) == 1)
        iterator = nil
        first = nil  // the client went away
        try await waitUntil { try await running(world, .key(issued.record.id)) == 0 }
        let again = try await start(world, single)
        again.cancel()
    }

    /// A key's limits hold the keys it mints, counted together: a team admin under a key
    /// limit of 2 requests a minute who mints itself more keys gets no more than 2 (attack
    /// round 6: three minted keys gave four times the rate).
    @Test(arguments: GatewayDatabase.allCases)
    func aKeysLimitsHoldTheKeysItMints(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        let dave = try await world.principal("dave")
        let limited = try await world.gateway.administration.issueKey(
            KeyIssueOrder(user: "alice", team: "acme/sales", role: "admin", limits: try KeyLimits(requestsPerMinute: 2)),
            principal: dave, audit: world.audit())
        let alice = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(limited.secret.revealed)", audit: world.audit())
        var minted: [String] = []
        for _ in 0..<2 {
            let key = try await world.gateway.administration.issueKey(
                KeyIssueOrder(user: "alice", team: "acme/sales", role: "admin"), principal: alice, audit: world.audit())
            minted.append(key.secret.revealed)
        }
        _ = try await chat(world, minted[0])
        _ = try await chat(world, minted[1])
        let viaChild = try #require(try await refusal(world, minted[0]))
        #expect(viaChild.code == "requests_per_minute_exceeded" && viaChild.message.hasPrefix("The issuing key's"), "\(viaChild.message)")
        let viaItself = try #require(try await refusal(world, limited.secret.revealed))
        #expect(viaItself.message.hasPrefix("This key's"), "\(viaItself.message)")
        _ = try await chat(world, "bob")  // another key of the team is not held
        clock.advance(by: 61)
        _ = try await chat(world, minted[1])
    }

    @Test(arguments: GatewayDatabase.allCases)
    func aCompletedStreamFreesItsSlot(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        try await setSalesLimits(world, try TeamLimits(maxConcurrent: 1))
        for _ in 0..<3 { _ = try await chat(world, "bob") }
        #expect(try await running(world, team: world.sales) == 0)
    }

    @Test(arguments: GatewayDatabase.allCases)
    func theMonthlyBudgetStartsFromTheLedgerAndCountsEveryFinishedRequest(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        let bob = try #require(try await world.principal("bob").tenantScope)
        try await world.store.usage.record(try UsageDelta(promptTokens: 900, completionTokens: 85), in: bob, at: clock.now)
        try await setSalesLimits(world, try TeamLimits(monthlyTokens: 1000))
        _ = try await chat(world, "bob")  // 985 + 10
        _ = try await chat(world, "vic")  // 995 + 10: over, but it was admitted below the budget
        let refused = try #require(try await refusal(world, "bob"))
        #expect(refused.kind == .quotaExhausted && refused.code == "monthly_tokens_exhausted")
        let nextMonth = try #require(Calendar.utc.dateInterval(of: .month, for: clock.now)?.end)
        #expect(refused.retryAfter == Int(nextMonth.timeIntervalSince(clock.now).rounded(.up)))
        #expect(world.backend.requests.count == 2)
        try await setSalesLimits(world, try TeamLimits(monthlyTokens: 2000))
        _ = try await chat(world, "bob")
    }

    @Test(arguments: GatewayDatabase.allCases)
    func aRequestRefusedAfterAdmissionGivesItsRequestBack(_ database: GatewayDatabase) async throws {
        let world = try await world(database: database)
        try await setSalesLimits(world, try TeamLimits(requestsPerMinute: 1, maxConcurrent: 1))
        var crossTeam = Self.hello
        crossTeam.claimedTeam = "acme/development"
        let denied = try #require(try await refusal(world, "bob", crossTeam))
        #expect(denied.code == "cross_team_attempt")
        var unknownModel = Self.hello
        unknownModel.model = "no-such-model"
        #expect(try await refusal(world, "bob", unknownModel)?.code == "model_not_found")
        _ = try await chat(world, "bob")
        #expect(try await running(world, team: world.sales) == 0)
    }

    func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<3000 where !(try await condition()) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await condition())
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
