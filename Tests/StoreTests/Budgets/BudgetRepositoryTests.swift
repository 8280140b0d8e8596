import Foundation
@testable import Store
import Tenancy
import Testing

/// Budgets in the shared store, on both backends: reserved at admission, settled in the
/// accounting transaction, never overspent, warned about once per period.
@Suite struct BudgetRepositoryTests {
    static func settle(_ store: AtriumStore, _ settlements: BudgetSettlement...) throws {
        try store.commitAccounting(audits: [], usage: [], keyUses: [:], budgets: settlements)
    }

    static func teamBudget(_ world: StoreWorld, _ team: Team, unit: Budget.Unit = .tokens, amount: Int64,
                           period: BudgetPeriod = .monthly, warnPercent: Int = 80) async throws -> BudgetStatus {
        try await world.store.budgets.set(
            BudgetDraft(subject: .team, unit: unit, amount: amount, period: period, warnPercent: warnPercent),
            Policy.authorize(world.acmeAdmin, .setLimits, on: team.resource))
    }

    static func status(_ world: StoreWorld, _ team: Team) async throws -> [BudgetStatus] {
        try await world.store.budgets.budgets(Policy.authorize(world.acmeAdmin, .readLimits, on: team.resource))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aTokenBudgetRefusesTheRequestThatWouldPassIt(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await Self.teamBudget(world, world.sales, amount: 1000)
        let scope = try world.scope(world.salesMember)
        let first = try await world.store.budgets.reserve(promptTokens: 300, completionTokens: 200, model: "m", in: scope)
        _ = try await world.store.budgets.reserve(promptTokens: 300, completionTokens: 200, model: "m", in: scope)
        await #expect(throws: BudgetExhausted.self) {
            try await world.store.budgets.reserve(promptTokens: 1, completionTokens: 0, model: "m", in: scope)
        }
        // Settled to what it used: the rest of its worst case comes back.
        try Self.settle(world.store, BudgetSettlement(first, promptTokens: 60, completionTokens: 40))
        let standing = try #require(try await Self.status(world, world.sales).first)
        #expect(standing.spent == 100 && standing.reserved == 500 && standing.remaining == 400)
        _ = try await world.store.budgets.reserve(promptTokens: 200, completionTokens: 200, model: "m", in: scope)
        do {
            _ = try await world.store.budgets.reserve(promptTokens: 1, completionTokens: 0, model: "m", in: scope)
            Issue.record("a spent budget admitted a request")
        } catch let exhausted as BudgetExhausted {
            #expect(exhausted.budget.subject == .team && exhausted.taken == 1000)
            // Running requests hold 900 of it: the refusal says to retry soon, not next month.
            #expect(exhausted.fitsAfterRunningRequests)
            #expect(exhausted.message.contains("1000 tokens") && exhausted.message.contains("retry in a moment"))
        }
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aReleasedReservationSpendsNothing(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await Self.teamBudget(world, world.sales, amount: 1000)
        let held = try await world.store.budgets.reserve(
            promptTokens: 900, completionTokens: 100, model: "m", in: try world.scope(world.salesMember))
        try Self.settle(world.store, .release(held))
        let standing = try #require(try await Self.status(world, world.sales).first)
        #expect(standing.spent == 0 && standing.reserved == 0 && standing.remaining == 1000)
    }

    /// Sales with a team budget of 1,000 tokens over a window of two days around now (so that
    /// the hours below never cross into another period), all of it reserved by one request.
    static func budgetHeldWhole(_ backend: StoreBackendKind) async throws
        -> (StoreWorld, TenantScope, Date, BudgetReservation)
    {
        let world = try await StoreWorld.make(backend)
        let start = Date()
        try await teamBudget(
            world, world.sales, amount: 1000,
            period: try BudgetPeriod.between(start.addingTimeInterval(-86_400), and: start.addingTimeInterval(86_400)))
        let scope = try world.scope(world.salesMember)
        let held = try await world.store.budgets.reserve(
            promptTokens: 900, completionTokens: 100, model: "m", in: scope, at: start)
        return (world, scope, start, held)
    }

    /// A replica that dies mid-request never settles its reservation: once the hold expires,
    /// the next reservation reclaims it (once), and a late settlement adds only the spend.
    @Test(arguments: StoreBackendKind.allCases)
    func aHoldNobodySettledIsReclaimedWhenItExpires(_ backend: StoreBackendKind) async throws {
        let (world, scope, start, orphan) = try await Self.budgetHeldWhole(backend)
        await #expect(throws: BudgetExhausted.self) {
            try await world.store.budgets.reserve(
                promptTokens: 1, completionTokens: 0, model: "m", in: scope, at: start.addingTimeInterval(60))
        }
        let later = start.addingTimeInterval(BudgetRepository.holdLifetime + 1)
        let next = try await world.store.budgets.reserve(promptTokens: 400, completionTokens: 0, model: "m", in: scope, at: later)
        try Self.settle(world.store, BudgetSettlement(orphan, promptTokens: 50, completionTokens: 0))
        var standing = try #require(try await world.store.budgets.budgets(
            Policy.authorize(world.acmeAdmin, .readLimits, on: world.sales.resource), at: later).first)
        #expect(standing.spent == 50 && standing.reserved == 400, "the orphan's hold was given back once")
        try Self.settle(world.store, .release(next))
        standing = try #require(try await world.store.budgets.budgets(
            Policy.authorize(world.acmeAdmin, .readLimits, on: world.sales.resource), at: later).first)
        #expect(standing.reserved == 0 && standing.remaining == 950)
    }

    /// Renewal pushes a running request's holds past their first expiry, and never pulls a
    /// later expiry back.
    @Test(arguments: StoreBackendKind.allCases)
    func aRenewedHoldOutlivesItsFirstExpiry(_ backend: StoreBackendKind) async throws {
        let (world, scope, start, running) = try await Self.budgetHeldWhole(backend)
        let lifetime = BudgetRepository.holdLifetime
        try world.store.commitAccounting(
            audits: [], usage: [], keyUses: [:], renewingHolds: [running.holdID], at: start.addingTimeInterval(lifetime - 5))
        // An older renewal (another replica's slower clock) keeps the later expiry.
        try world.store.commitAccounting(
            audits: [], usage: [], keyUses: [:], renewingHolds: [running.holdID], at: start)
        await #expect(throws: BudgetExhausted.self, "renewed: still held after its first lifetime") {
            try await world.store.budgets.reserve(
                promptTokens: 1, completionTokens: 0, model: "m", in: scope, at: start.addingTimeInterval(lifetime + 60))
        }
        let next = try await world.store.budgets.reserve(
            promptTokens: 1, completionTokens: 0, model: "m", in: scope, at: start.addingTimeInterval(2 * lifetime))
        #expect(!next.isEmpty, "reclaimed once the renewed lifetime passed")
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aCostBudgetSpendsTheOwnersPriceExactly(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.budgets.setPrice(
            ModelPrice(
                model: "smollm2-135m", promptPer1K: Money(parsing: "0.15", field: "p"),
                completionPer1K: Money(parsing: "0.6", field: "c")),
            Policy.authorize(world.owner, .setPrices, on: .platform))
        try await Self.teamBudget(world, world.sales, unit: .cost, amount: try Money(parsing: "1", field: "a").micros)
        let scope = try world.scope(world.salesMember)
        let held = try await world.store.budgets.reserve(
            promptTokens: 1000, completionTokens: 1000, model: "smollm2-135m", in: scope)
        var standing = try #require(try await Self.status(world, world.sales).first)
        #expect(standing.reserved == 750_000, "0.15 + 0.60 for a thousand of each")
        try Self.settle(world.store, BudgetSettlement(held, promptTokens: 10, completionTokens: 3))
        standing = try #require(try await Self.status(world, world.sales).first)
        #expect(Money(micros: standing.spent).description == "0.0033")
        #expect(standing.reserved == 0)
        // What does not fit is refused, to the micro.
        await #expect(throws: BudgetExhausted.self) {
            try await world.store.budgets.reserve(
                promptTokens: 2000, completionTokens: 1200, model: "smollm2-135m", in: scope)
        }
    }

    @Test(arguments: StoreBackendKind.allCases)
    func userAndKeyBudgetsHoldOnlyTheirOwnRequests(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let bob = try await world.user("bob")
        let grant = try Policy.authorize(world.salesAdmin, .setMemberBudgets, on: world.sales.resource)
        try await world.store.budgets.set(BudgetDraft(subject: .user(bob.id), unit: .tokens, amount: 10), grant)
        try await world.store.budgets.set(
            BudgetDraft(subject: .key(world.salesViewer.keyID), unit: .tokens, amount: 10), grant)
        await #expect(throws: BudgetExhausted.self) {
            try await world.store.budgets.reserve(
                promptTokens: 20, completionTokens: 0, model: "m", in: try world.scope(world.salesMember))
        }
        await #expect(throws: BudgetExhausted.self) {
            try await world.store.budgets.reserve(
                promptTokens: 20, completionTokens: 0, model: "m", in: try world.scope(world.salesViewer))
        }
        let alice = try await world.store.budgets.reserve(
            promptTokens: 20, completionTokens: 0, model: "m", in: try world.scope(world.salesAdmin))
        #expect(alice.isEmpty, "alice's user and key have no budget, and the team none")
    }

    /// A budget an org admin puts on a team admin's user or key is not the team admin's to
    /// raise or lift ("a team never raises its own"); its members' budgets are.
    /// A key's budget holds the keys it mints, down the line: a team admin under a key budget
    /// cannot mint itself (or a colleague) a key around it (attack round 5). Keys minted by
    /// others are not held by it.
    @Test(arguments: StoreBackendKind.allCases)
    func aKeysBudgetHoldsTheKeysItMints(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let byOrgAdmin = try Policy.authorize(world.acmeAdmin, .setMemberBudgets, on: world.sales.resource)
        _ = try await world.store.budgets.set(
            BudgetDraft(subject: .key(world.salesAdmin.keyID), unit: .tokens, amount: 10), byOrgAdmin)
        let issue = try Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource)
        let own = try await world.store.keys.issue(
            KeyRequest(holder: world.salesAdmin.userID, binding: .team(world.sales.reference), role: .teamAdmin), issue)
        let ownScope = try world.scope(try await world.store.keys.authenticated(own.secret.revealed))
        let grandchild = try await world.store.keys.issue(
            KeyRequest(holder: world.salesMember.userID, binding: .team(world.sales.reference), role: .member),
            try Policy.authorize(try await world.store.keys.authenticated(own.secret.revealed), .issueKey, on: world.sales.resource))
        let grandchildScope = try world.scope(try await world.store.keys.authenticated(grandchild.secret.revealed))
        for scope in [ownScope, grandchildScope] {
            let refusal = await #expect(throws: BudgetExhausted.self) {
                try await world.store.budgets.reserve(promptTokens: 11, completionTokens: 0, model: "m", in: scope)
            }
            // Named as the issuing key's, not as the caller's own (attack round 6).
            #expect(refusal?.message.hasPrefix("The issuing key's monthly budget") == true, "\(String(describing: refusal?.message))")
        }
        // A key the org admin minted for the same person is not the budgeted key's.
        let other = try await world.store.keys.issue(
            KeyRequest(holder: world.salesMember.userID, binding: .team(world.sales.reference), role: .member),
            try Policy.authorize(world.acmeAdmin, .issueKey, on: world.sales.resource))
        let otherScope = try world.scope(try await world.store.keys.authenticated(other.secret.revealed))
        _ = try await world.store.budgets.reserve(promptTokens: 11, completionTokens: 0, model: "m", in: otherScope)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aTeamAdminCannotRaiseOrLiftItsOwnBudgets(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let alice = try await world.user("alice")
        let byOrgAdmin = try Policy.authorize(world.acmeAdmin, .setMemberBudgets, on: world.sales.resource)
        let onUser = try await world.store.budgets.set(BudgetDraft(subject: .user(alice.id), unit: .tokens, amount: 10), byOrgAdmin)
        let onKey = try await world.store.budgets.set(
            BudgetDraft(subject: .key(world.salesAdmin.keyID), unit: .tokens, amount: 10), byOrgAdmin)
        let byAlice = try Policy.authorize(world.salesAdmin, .setMemberBudgets, on: world.sales.resource)
        for subject in [Budget.Subject.user(alice.id), .key(world.salesAdmin.keyID)] {
            await #expect(throws: AccessDenied.self, "\(subject)") {
                try await world.store.budgets.set(BudgetDraft(subject: subject, unit: .tokens, amount: 1_000_000), byAlice)
            }
        }
        for budget in [onUser, onKey] {
            await #expect(throws: AccessDenied.self) { try await world.store.budgets.delete(budget.budget.id, byAlice) }
        }
        let bob = try await world.user("bob")
        let bobs = try await world.store.budgets.set(BudgetDraft(subject: .user(bob.id), unit: .tokens, amount: 5), byAlice)
        try await world.store.budgets.delete(bobs.budget.id, byAlice)
        try await world.store.budgets.delete(onUser.budget.id, byOrgAdmin)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func salesCannotBudgetAnotherTeamsUsersOrKeys(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(throws: AccessDenied.self) {
            try Policy.authorize(world.salesAdmin, .setMemberBudgets, on: world.development.resource)
        }
        #expect(throws: AccessDenied.self) {
            try Policy.authorize(world.salesAdmin, .setLimits, on: world.sales.resource)
        }
        let grant = try Policy.authorize(world.salesAdmin, .setMemberBudgets, on: world.sales.resource)
        let carol = try await world.user("carol")
        await #expect(throws: StoreError.notFound(kind: "team member", address: carol.id.rawValue)) {
            try await world.store.budgets.set(BudgetDraft(subject: .user(carol.id), unit: .tokens, amount: 5), grant)
        }
        let carolsKey = world.developmentAdmin.keyID
        await #expect(throws: StoreError.notFound(kind: "key", address: carolsKey.rawValue)) {
            try await world.store.budgets.set(BudgetDraft(subject: .key(carolsKey), unit: .tokens, amount: 5), grant)
        }
        // development's budget is neither listed for sales nor deletable through sales' grant.
        let developments = try await Self.teamBudget(world, world.development, amount: 50)
        #expect(try await Self.status(world, world.sales).isEmpty)
        await #expect(throws: StoreError.self) {
            try await world.store.budgets.delete(
                developments.budget.id, Policy.authorize(world.acmeAdmin, .setLimits, on: world.sales.resource))
        }
        #expect(try await Self.status(world, world.development).count == 1)
        // A team admin deletes its members' budgets, never the team's own.
        let teams = try await Self.teamBudget(world, world.sales, amount: 50)
        await #expect(throws: AccessDenied.self) { try await world.store.budgets.delete(teams.budget.id, grant) }
    }

    @Test(arguments: StoreBackendKind.allCases)
    func theWarningAlertIsRaisedOncePerPeriod(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await Self.teamBudget(world, world.sales, amount: 100, warnPercent: 80)
        let scope = try world.scope(world.salesMember)
        func spend(_ tokens: Int) async throws {
            let held = try await world.store.budgets.reserve(promptTokens: tokens, completionTokens: 0, model: "m", in: scope)
            try Self.settle(world.store, BudgetSettlement(held, promptTokens: tokens, completionTokens: 0))
        }
        func warnings() async throws -> [AlertRecord] {
            try await world.store.alerts.alerts(visibleTo: world.salesAdmin, filter: try AlertFilter())
                .filter { $0.alert.kind == .budgetWarning }
        }
        try await spend(50)
        #expect(try await warnings().isEmpty)
        try await spend(35)
        let raised = try await warnings()
        #expect(raised.count == 1)
        #expect(raised.first?.alert.detail.contains("passed 80%: 85 of 100") == true)
        try await spend(10)
        #expect(try await warnings().count == 1, "once per budget and period")
        let development = try await world.store.alerts.alerts(visibleTo: world.developmentAdmin, filter: try AlertFilter())
        #expect(development.isEmpty, "another team never sees sales' warning")
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aWindowHoldsOnlyInsideItself(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let now = Date()
        let future = try BudgetPeriod.between(now.addingTimeInterval(3600), and: now.addingTimeInterval(7200))
        try await Self.teamBudget(world, world.sales, amount: 1, period: future)
        let scope = try world.scope(world.salesMember)
        let outside = try await world.store.budgets.reserve(promptTokens: 100, completionTokens: 0, model: "m", in: scope)
        #expect(outside.isEmpty)
        await #expect(throws: BudgetExhausted.self) {
            try await world.store.budgets.reserve(
                promptTokens: 100, completionTokens: 0, model: "m", in: scope, at: now.addingTimeInterval(3601))
        }
        #expect(throws: StoreError.self) { try BudgetPeriod.between(now, and: now) }
        #expect(throws: StoreError.self) { try BudgetPeriod.between(now, and: now.addingTimeInterval(-1)) }
    }

    @Test func badDraftsAreRefusedWhenSaved() {
        #expect(throws: StoreError.self) { try BudgetDraft(subject: .team, unit: .tokens, amount: 0) }
        #expect(throws: StoreError.self) { try BudgetDraft(subject: .team, unit: .tokens, amount: -5) }
        #expect(throws: StoreError.self) { try BudgetDraft(subject: .team, unit: .tokens, amount: Int64.max) }
        #expect(throws: StoreError.self) { try BudgetDraft(subject: .team, unit: .cost, amount: Money.maximum.micros + 1) }
        #expect(throws: StoreError.self) { try BudgetDraft(subject: .team, unit: .tokens, amount: 5, warnPercent: 0) }
        #expect(throws: StoreError.self) { try BudgetDraft(subject: .team, unit: .tokens, amount: 5, warnPercent: 101) }
        #expect(throws: StoreError.self) {
            try ModelPrice(model: "m", promptPer1K: Money(micros: -1), completionPer1K: .zero)
        }
        #expect(throws: StoreError.self) { try ModelPrice(model: "a\u{0}b", promptPer1K: .zero, completionPer1K: .zero) }
    }

    /// Two stores on one database — two replicas — race for one budget: together they never
    /// reserve more than it holds, and exactly what fits is admitted.
    @Test(arguments: StoreBackendKind.allCases)
    func twoReplicasRacingForTheLastOfABudgetNeverBothGetIt(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await Self.teamBudget(world, world.sales, amount: 1000)
        let second = try world.secondStore()
        let scope = try world.scope(world.salesMember)
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for attempt in 0..<24 {
                let store = attempt % 2 == 0 ? world.store : second
                group.addTask {
                    do {
                        _ = try await store.budgets.reserve(promptTokens: 60, completionTokens: 40, model: "m", in: scope)
                        return true
                    } catch is BudgetExhausted {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 10)
        let standing = try #require(try await Self.status(world, world.sales).first)
        #expect(standing.reserved == 1000 && standing.remaining == 0)
    }
}
