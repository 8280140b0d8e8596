import Testing
@testable import Serving

/// What goes into one forward pass: full batches for a tenant alone or tenants sharing evenly,
/// small steps of equal shares led by a light tenant's tokens when one tenant fills the
/// batch — for as long as the light tenant is not served more than its allowance beyond the
/// others.
@Suite struct StepPlannerTests {
    typealias Candidate = StepPlanner.Candidate
    let now = ContinuousClock.now

    let planner = StepPlanner(maximumBatchTokens: 256)

    /// One step's plan by a fresh planner.
    func planned(_ candidates: [Candidate], counters: [String: Double]) -> [Int: Int] {
        var planner = planner
        return planner.plan(candidates, counters: counters, now: now)
    }

    func decoding(_ ids: Range<Int>, _ tenant: String, lastServed: Int = 0) -> [Candidate] {
        ids.map { Candidate(id: $0, tenant: tenant, promptRemaining: 0, lastServed: lastServed) }
    }

    @Test func aTenantAloneFillsTheBatchDecodeTokensFirst() {
        let prefill = Candidate(id: 99, tenant: "flood", promptRemaining: 300, lastServed: -1)
        let plan = planned(decoding(0..<16, "flood") + [prefill], counters: [:])
        #expect((0..<16).allSatisfy { plan[$0] == 1 })
        #expect(plan[99] == 256 - 16, "the prompt takes the rest of the budget")
    }

    @Test func tenantsSharingEvenlyGetFullBatches() {
        let plan = planned(decoding(0..<8, "a") + decoding(8..<16, "b"), counters: ["a": 0, "b": 500])
        #expect(plan.count == 16 && plan.values.allSatisfy { $0 == 1 })
    }

    @Test func aLightTenantsTokenLeadsASmallStep() {
        let plan = planned(decoding(0..<16, "flood") + decoding(16..<17, "light"), counters: ["flood": 100, "light": 100])
        #expect(plan[16] == 1)
        #expect(plan.values.reduce(0, +) == 2, "the light token and one of the flood's")
    }

    @Test func aLightTenantsPromptGoesWholeAndTheOthersStillProgress() {
        let prompt = Candidate(id: 16, tenant: "light", promptRemaining: 45, lastServed: -1)
        let plan = planned(decoding(0..<16, "flood") + [prompt], counters: ["flood": 100, "light": 100])
        #expect(plan[16] == 45)
        #expect(plan.values.reduce(0, +) == 45 + 1, "the others always get a token")
    }

    /// Every tenant gets as many tokens as the largest light tenant decodes.
    @Test func everyOtherTenantGetsTheLightTenantsShare() {
        let candidates = decoding(0..<12, "a") + decoding(12..<24, "c") + decoding(24..<27, "light")
        let plan = planned(candidates, counters: [:])
        #expect((24..<27).allSatisfy { plan[$0] == 1 })
        #expect(plan.keys.filter { $0 < 12 }.count == 3 && plan.keys.filter { (12..<24).contains($0) }.count == 3)
    }

    /// A light tenant served more than its allowance beyond the others loses its priority
    /// until they catch up: the counters keep the shares fair.
    @Test func aLightTenantAheadOfTheOthersWaitsItsTurn() {
        let candidates = decoding(0..<16, "flood") + decoding(16..<17, "light")
        let allowance = planner.priorityAllowance
        let ahead = planned(candidates, counters: ["flood": 100, "light": 100 + allowance + 1])
        #expect(ahead.count == 17, "a full step")
        #expect(planner.lightTenants(candidates, counters: ["flood": 100, "light": 100 + allowance]) == ["light"])
    }

    /// Under a light tenant's priority the flood's sequences take turns.
    @Test func theFloodsSequencesTakeTurns() {
        var lastServed = [Int](repeating: -1, count: 16)
        for step in 0..<16 {
            let flood = (0..<16).map { Candidate(id: $0, tenant: "flood", promptRemaining: 0, lastServed: lastServed[$0]) }
            let tokens = planned(flood + decoding(16..<17, "light", lastServed: step), counters: [:])
            for id in tokens.keys where id < 16 { lastServed[id] = step }
        }
        #expect(Set(lastServed) == Set(0..<16), "each sequence once in 16 steps")
    }

    /// A light tenant between two requests is expected back for the return window: steps stay
    /// small meanwhile, then grow to full batches again.
    @Test func aLightTenantBetweenRequestsIsExpectedBackBriefly() {
        var expecting = StepPlanner(maximumBatchTokens: 256, returnWindow: .milliseconds(50))
        let flood = decoding(0..<16, "flood")
        _ = expecting.plan(flood + decoding(16..<17, "light"), counters: [:], now: now)
        expecting.tenantWentIdle("light", at: now)
        #expect(expecting.plan(flood, counters: [:], now: now + .milliseconds(10)).count == 1, "still expecting it")
        #expect(expecting.plan(flood, counters: [:], now: now + .milliseconds(60)).count == 16, "the window has passed")
        expecting.tenantWentIdle("flood", at: now)
        #expect(expecting.plan(decoding(0..<16, "other"), counters: [:], now: now + .milliseconds(61)).count == 16,
                "a tenant that was not light is not waited for")
    }

    /// Where steps take long (a slower CPU), the window grows with them: a light tenant's next
    /// request must not find a full batch under way that takes longer than its round trip.
    @Test func theReturnWindowGrowsWithTheStepDuration() {
        var expecting = StepPlanner(maximumBatchTokens: 256, returnWindow: .milliseconds(50))
        for _ in 0..<8 { expecting.stepTook(.milliseconds(120)) }
        #expect(expecting.typicalStep == .milliseconds(120))
        let flood = decoding(0..<16, "flood")
        _ = expecting.plan(flood + decoding(16..<17, "light"), counters: [:], now: now)
        expecting.tenantWentIdle("light", at: now)
        #expect(expecting.plan(flood, counters: [:], now: now + .milliseconds(300)).count == 1, "still expecting it")
        #expect(expecting.plan(flood, counters: [:], now: now + .milliseconds(400)).count == 16, "3 steps have passed")
        // Fast steps again: back to the plain window.
        for _ in 0..<40 { expecting.stepTook(.milliseconds(1)) }
        _ = expecting.plan(flood + decoding(16..<17, "light"), counters: [:], now: now)
        expecting.tenantWentIdle("light", at: now)
        #expect(expecting.plan(flood, counters: [:], now: now + .milliseconds(60)).count == 16, "the window has passed")
    }

    @Test func lightMeansFewerSequencesThanTheAverageTenant() {
        let many = decoding(0..<16, "flood") + (0..<8).flatMap { decoding((16 + $0)..<(17 + $0), "t\($0)") }
        #expect(planner.lightTenants(many, counters: [:]) == Set((0..<8).map { "t\($0)" }))
        #expect(planner.lightTenants(decoding(0..<5, "alone"), counters: [:]).isEmpty)
        #expect(planner.lightTenants(decoding(0..<12, "a") + decoding(12..<16, "b"), counters: [:]) == ["b"])
        // Many light tenants of one sequence each: the flood gets a token, like each of them.
        #expect(planned(many, counters: [:]).values.reduce(0, +) == 8 + 1)
    }
}

/// Who may take which slot.
@Suite struct SequenceSlotsTests {
    typealias Scheduler = FairScheduler<Int>
    let start = ContinuousClock.now

    func enqueue(_ scheduler: inout Scheduler, _ id: Int, _ tenant: String) {
        scheduler.enqueue(.init(id: id, tenant: tenant, weight: 1, enqueued: start, item: id))
    }

    @Test func aTenantHoldingEveryRegularSlotLeavesTheReserveToOthers() {
        var slots = SequenceSlots(regular: 2, reserved: 1)
        var scheduler = Scheduler()
        for id in 0..<4 { enqueue(&scheduler, id, "flood") }
        #expect(slots.admitNext(from: &scheduler) { _ in true }?.slot == 0)
        #expect(slots.admitNext(from: &scheduler) { _ in true }?.slot == 1)
        #expect(slots.admitNext(from: &scheduler) { _ in true }?.slot == nil, "a tenant alone never takes the reserve")
        enqueue(&scheduler, 10, "light")
        let admitted = slots.admitNext(from: &scheduler) { _ in true }
        #expect(admitted?.0.tenant == "light" && admitted?.slot == 2)
        #expect(slots.admitNext(from: &scheduler) { _ in true }?.slot == nil)
        slots.release(0)
        #expect(slots.admitNext(from: &scheduler) { _ in true }?.slot == 0, "a regular slot goes to anyone")
    }
}
