import AtriumTestSupport
import Foundation
@testable import Gateway
import Logging
@testable import Store
import Tenancy
import Testing

/// The budget stage inside the chat pipeline: a budget refuses with 429 `insufficient_quota`
/// once a request's worst case no longer fits, audited with its reason and starting no
/// generation; a served request spends what it used, a failed one nothing; and two gateways
/// on one PostgreSQL database never overspend one budget between them.
@Suite(.timeLimit(.minutes(2))) struct BudgetStageTests {
    /// A prompt's reservation is never below what an upstream's usage may be charged for it:
    /// they once differed (8 tokens a message against 16), and an engine reporting the most
    /// it was allowed spent a budget 71 % past its end with 200 short messages (attack round 6).
    @Test func aPromptsReservationCoversTheMostItMayBeCharged() {
        for count in [1, 6, 7, 200, 1000] {
            let messages = (0..<count).map { ChatTurn(role: $0.isMultiple(of: 2) ? .user : .assistant, content: "x") }
            #expect(BudgetStage.worstCasePrompt(of: messages) >= TokenEstimate.promptCeiling(of: messages), "\(count)")
        }
    }

    static let hello = ChatRequest(messages: [ChatTurn(role: .user, content: "What do we sell?")], maxTokens: 20)

    func chat(_ gateway: Gateway, _ key: String, _ request: ChatRequest = hello) async throws -> ChatCompletion {
        let audit = RequestAudit(requestID: UUID().uuidString, action: "chat", resource: "test")
        defer { gateway.accountant.finish(audit) }
        let principal = try await gateway.authenticator.authenticate(authorization: "Bearer \(key)", audit: audit)
        let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
        return try await gateway.pipeline.chat(request, in: scope, audit: audit).collect()
    }

    func setBudget(_ world: GatewayWorld, _ order: BudgetOrder, by holder: String = "dave") async throws -> BudgetStatus {
        try await world.gateway.administration.setBudget(
            order, of: "acme/sales", principal: try await world.principal(holder), audit: world.audit())
    }

    func salesBudgets(_ world: GatewayWorld) async throws -> [BudgetStatus] {
        await world.writer.flush()
        return try await world.gateway.administration.budgets(
            of: "acme/sales", principal: try await world.principal("alice"), audit: world.audit())
    }

    @Test func aSpentBudgetAnswersInsufficientQuotaAndStartsNothing() async throws {
        let world = try await GatewayWorld.make()
        // Each served request spends its 10 tokens; requests run until less than a worst case remains.
        _ = try await setBudget(
            world, BudgetOrder(subject: .team, unit: .tokens, amount: "300", period: .monthly, warnPercent: 80))
        var served = 0
        var refusal: GatewayError?
        while refusal == nil && served < 100 {
            do {
                _ = try await chat(world.gateway, world.keys["bob"]!)
                served += 1
                await world.writer.flush()
            } catch let error as GatewayError {
                refusal = error
            }
        }
        let refused = try #require(refusal)
        #expect(refused.kind == .quotaExhausted && refused.code == "budget_exhausted")
        #expect(refused.message.contains("The team's monthly budget of 300 tokens"))
        #expect(refused.message.contains("it resets at"), "nothing running: the budget is spent until next month")
        #expect((refused.retryAfter ?? 0) > 0)
        #expect(world.backend.requests.count == served, "the refused request started no generation")
        let composed = try #require(world.backend.requests.last)
        let worstCase = Int64(BudgetStage.worstCasePrompt(of: composed.messages) + composed.sampling.maxTokens)
        let budget = try #require(try await salesBudgets(world).first)
        #expect(served > 0 && budget.spent == Int64(10 * served) && budget.reserved == 0)
        #expect(budget.remaining < worstCase && budget.remaining + 10 >= worstCase, "refused exactly when it no longer fits")
        let records = try await world.auditRecords().filter { $0.action == "chat" }
        #expect(records.first?.reason == "budget_exhausted")
        // development has no budget.
        _ = try await chat(world.gateway, world.keys["carol"]!)
    }

    /// Whether a key has any budget is remembered (most have none, and then their requests
    /// never touch the budget tables), so setting and deleting one must reach the very next
    /// request.
    @Test func aBudgetSetOrDeletedAppliesToTheNextRequest() async throws {
        let world = try await GatewayWorld.make()
        _ = try await chat(world.gateway, world.keys["bob"]!)  // remembered: no budget applies to bob's key
        let budget = try await setBudget(
            world, BudgetOrder(subject: .user("bob"), unit: .tokens, amount: "1", period: .monthly, warnPercent: 80),
            by: "alice")
        await #expect(throws: GatewayError.self, "a 1-token budget never fits a request") {
            try await chat(world.gateway, world.keys["bob"]!)
        }
        try await world.gateway.administration.deleteBudget(
            budget.budget.id.rawValue, of: "acme/sales", principal: try await world.principal("alice"),
            audit: world.audit())
        _ = try await chat(world.gateway, world.keys["bob"]!)
        #expect(world.backend.requests.count == 2)
    }

    @Test func aFailedGenerationSpendsNothing() async throws {
        let world = try await GatewayWorld.make(backend: ScriptedBackend(.fail(.timedOut("the upstream did not answer"))))
        _ = try await setBudget(
            world, BudgetOrder(subject: .user("bob"), unit: .tokens, amount: "1000", period: .monthly, warnPercent: 80),
            by: "alice")
        await #expect(throws: GatewayError.self) { try await chat(world.gateway, world.keys["bob"]!) }
        let budget = try #require(try await salesBudgets(world).first)
        #expect(budget.spent == 0 && budget.reserved == 0)
    }

    @Test func aTeamAdminCannotSetItsTeamsOwnBudget() async throws {
        let world = try await GatewayWorld.make()
        await #expect(throws: GatewayError.self) {
            try await setBudget(
                world, BudgetOrder(subject: .team, unit: .tokens, amount: "10", period: .monthly, warnPercent: 80),
                by: "alice")
        }
        // carol administers development, not sales: sales looks like it does not exist.
        await #expect(throws: GatewayError.self) {
            try await setBudget(
                world, BudgetOrder(subject: .user("bob"), unit: .tokens, amount: "10", period: .monthly, warnPercent: 80),
                by: "carol")
        }
        #expect(try await salesBudgets(world).isEmpty)
    }

    /// A replica remembers that bob's key has no budget; a budget set through another replica
    /// moves the shared directory version (the `budgets` table announces its changes), so the
    /// first replica's very next request is held to it.
    @Test func aBudgetSetThroughAnotherReplicaAppliesToTheNextRequest() async throws {
        try await withTwoReplicas { world, other, _ in
            _ = try await chat(other, world.keys["bob"]!)
            _ = try await chat(other, world.keys["bob"]!)  // from its cache: no budget applies

            _ = try await setBudget(  // through the first replica, whose invalidation never reaches `other`
                world, BudgetOrder(subject: .user("bob"), unit: .tokens, amount: "1", period: .monthly, warnPercent: 80),
                by: "alice")
            await #expect(throws: GatewayError.self, "a 1-token budget never fits a request") {
                try await chat(other, world.keys["bob"]!)
            }
        }
    }

    /// Two gateways — two replicas, each with its own store connections and accounting writer —
    /// on one PostgreSQL database serve one team concurrently: what they spend together never
    /// passes the budget, and every token served is counted.
    @Test func twoGatewaysOnOnePostgresDatabaseNeverOverspendOneBudget() async throws {
        try await withTwoReplicas { world, other, otherWriter in
            _ = try await setBudget(
                world, BudgetOrder(subject: .team, unit: .tokens, amount: "1000", period: .monthly, warnPercent: 80))
            let keys = [world.keys["bob"]!, world.keys["vic"]!, world.keys["alice"]!]
            let served = await withTaskGroup(of: Int.self) { group in
                for attempt in 0..<40 {
                    let gateway = attempt % 2 == 0 ? world.gateway : other
                    let key = keys[attempt % keys.count]
                    group.addTask {
                        (try? await chat(gateway, key)) == nil ? 0 : 1
                    }
                }
                return await group.reduce(0, +)
            }
            await otherWriter.flush()
            let budget = try #require(try await salesBudgets(world).first)
            #expect(budget.reserved == 0, "every reservation was settled")
            #expect(budget.spent == Int64(served * 10), "every served token is counted")
            #expect(budget.spent <= 1000, "never overspent")
            // 1000 / 116 worst cases (a prompt's ceiling and max_tokens) fit at once; settled
            // ones free room for more.
            #expect(served >= 8)
        }
    }

    /// Runs `body` with two gateways — two replicas, each with its own store connections and
    /// accounting writer — on one fresh PostgreSQL database: the world's, and `other` with its
    /// writer (stopped after `body`, everything written).
    private func withTwoReplicas(
        _ body: (_ world: GatewayWorld, _ other: Gateway, _ otherWriter: AccountingWriter) async throws -> Void
    ) async throws {
        guard let url = ProcessInfo.processInfo.environment["ATRIUM_TEST_POSTGRES_URL"], !url.isEmpty else {
            try Test.cancel("PostgreSQL case skipped: ATRIUM_TEST_POSTGRES_URL is not set (scripts/run-tests sets it)")
        }
        let server = try #require(try PostgresLocation(url: url))
        let name = "atrium_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try await PostgresBackend.runOutsideTransaction("CREATE DATABASE \(name)", at: server)
        defer { PostgresBackend.dropInBackground(name, at: server) }
        let first = AtriumStore(postgres: server.with(database: name), poolSize: 4)
        try await first.migrate()
        let world = try await GatewayWorld.make(store: first)
        let second = AtriumStore(postgres: server.with(database: name), poolSize: 4)
        let writer = AccountingWriter(store: second, logger: Logger(label: "test"))
        let writerTask = Task { await writer.run() }
        let other = Gateway(
            store: second, backend: world.backend, catalog: ModelCatalog(chatModel: "test-model"), writer: writer)
        do {
            try await body(world, other, writer)
        } catch {
            writer.shutdown()
            await writerTask.value
            throw error
        }
        await writer.flush()
        writer.shutdown()
        await writerTask.value
    }
}
