import Testing
@testable import Serving

/// The virtual-token-counter scheduler on a synthetic clock: no real model, no real time.
@Suite struct FairSchedulerTests {
    typealias Scheduler = FairScheduler<Int>
    let start = ContinuousClock.now

    func waiting(_ id: Int, _ tenant: String, weight: Double = 1, at seconds: Int = 0) -> Scheduler.Waiting {
        .init(id: id, tenant: tenant, weight: weight, enqueued: start + .seconds(seconds), item: id)
    }

    @Test func lowestCounterTenantIsAdmittedFirst() {
        var scheduler = Scheduler()
        for id in 0..<5 { scheduler.enqueue(waiting(id, "flood")) }
        scheduler.enqueue(waiting(5, "light"))
        #expect(scheduler.admitNext { _ in true }?.id == 0)
        scheduler.charge(tenant: "flood", weight: 1, promptTokens: 100, generatedTokens: 0)
        // The flooding tenant has been served; the light tenant goes next despite arriving last.
        #expect(scheduler.admitNext { _ in true }?.id == 5)
    }

    /// The OSDI'24 bound: over any period where two tenants are both backlogged, their served
    /// (weighted) tokens differ by at most a bounded amount, here one request's worth.
    @Test func backloggedTenantsStayWithinOneRequestOfEachOther() {
        var scheduler = Scheduler()
        var served: [String: Double] = ["a": 0, "b": 0]
        for id in 0..<200 { scheduler.enqueue(waiting(id, id % 4 == 0 ? "b" : "a")) }
        let requestCost = 10.0 * Scheduler.promptTokenCost + 20.0 * Scheduler.generatedTokenCost
        for _ in 0..<100 {
            guard let next = scheduler.admitNext(where: { _ in true }) else { break }
            scheduler.charge(tenant: next.tenant, weight: 1, promptTokens: 10, generatedTokens: 20)
            scheduler.release(tenant: next.tenant)
            served[next.tenant]! += requestCost
            if scheduler.activeTenants.count == 2 {
                #expect(abs(served["a"]! - served["b"]!) <= requestCost)
            }
        }
    }

    @Test func weightsScaleTheShare() {
        var scheduler = Scheduler()
        for id in 0..<300 { scheduler.enqueue(waiting(id, id % 2 == 0 ? "heavy" : "light", weight: id % 2 == 0 ? 2 : 1)) }
        var admitted: [String: Int] = [:]
        for _ in 0..<90 {
            let next = scheduler.admitNext { _ in true }!
            scheduler.charge(tenant: next.tenant, weight: next.weight, promptTokens: 10, generatedTokens: 10)
            scheduler.release(tenant: next.tenant)
            admitted[next.tenant, default: 0] += 1
        }
        #expect(admitted["heavy"]! == 2 * admitted["light"]!)
    }

    /// A tenant that was idle does not bank credit: it starts at the lowest active counter.
    @Test func idleTenantCannotBankCredit() {
        var scheduler = Scheduler()
        scheduler.enqueue(waiting(0, "busy"))
        _ = scheduler.admitNext { _ in true }
        scheduler.charge(tenant: "busy", weight: 1, promptTokens: 1000, generatedTokens: 1000)
        scheduler.enqueue(waiting(1, "newcomer"))
        #expect(scheduler.counters["newcomer"] == scheduler.counters["busy"])
    }

    @Test func expiredRequestsLeaveTheQueue() {
        var scheduler = Scheduler()
        scheduler.enqueue(waiting(0, "a", at: 0))
        scheduler.enqueue(waiting(1, "a", at: 10))
        let expired = scheduler.expire(enqueuedBefore: start + .seconds(5))
        #expect(expired.map(\.id) == [0])
        #expect(scheduler.waitingCount == 1)
    }

    @Test func requestsThatDoNotFitWait() {
        var scheduler = Scheduler()
        scheduler.enqueue(waiting(0, "a"))
        #expect(scheduler.admitNext { _ in false } == nil)
        #expect(scheduler.waitingCount == 1)
    }
}
