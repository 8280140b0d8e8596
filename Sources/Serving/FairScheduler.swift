/// Tenant-fair ordering by virtual token counters (Sheng et al., "Fairness in Serving Large
/// Language Models", OSDI 2024): each tenant's counter grows with the tokens it is served,
/// divided by its weight; the tenant with the lowest counter goes next. A tenant that returns
/// after being idle starts at the lowest active counter, so idling banks no credit.
///
/// Pure bookkeeping, no clock of its own: the engine passes `now`, tests pass a synthetic one.
package struct FairScheduler<Item> {
    package struct Waiting {
        package let id: Int
        package let tenant: String
        package let weight: Double
        package let enqueued: ContinuousClock.Instant
        package let item: Item

        package init(id: Int, tenant: String, weight: Double, enqueued: ContinuousClock.Instant, item: Item) {
            self.id = id
            self.tenant = tenant
            self.weight = weight
            self.enqueued = enqueued
            self.item = item
        }
    }

    /// Cost of a prompt token and of a generated token, as in the paper (w_p = 1, w_q = 2).
    package static var promptTokenCost: Double { 1 }
    package static var generatedTokenCost: Double { 2 }

    package private(set) var counters: [String: Double] = [:]
    /// Each tenant's weight, as its latest request gave it.
    private var weights: [String: Double] = [:]
    private var queues: [String: [Waiting]] = [:]
    private var running: [String: Int] = [:]

    package init() {}

    package var waitingCount: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// Requests of `tenant` admitted and not yet released.
    package func runningCount(of tenant: String) -> Int { running[tenant] ?? 0 }

    /// Whether `tenant` runs fewer than its fair share of `slots`: the slots divided among the
    /// tenants with running or waiting requests in proportion to their weights (evenly when
    /// the weights are equal).
    package func isBelowFairShare(_ tenant: String, slots: Int) -> Bool {
        let active = activeTenants
        guard active.count > 1 else { return runningCount(of: tenant) < slots }
        let total = active.reduce(0) { $0 + weight(of: $1) }
        return Double(runningCount(of: tenant)) * total < Double(slots) * weight(of: tenant)
    }

    private func weight(of tenant: String) -> Double { max(weights[tenant] ?? 1, 1e-3) }

    /// Tenants with a request waiting or running.
    package var activeTenants: Set<String> {
        Set(queues.filter { !$0.value.isEmpty }.keys).union(running.filter { $0.value > 0 }.keys)
    }

    private func isActive(_ tenant: String) -> Bool {
        queues[tenant]?.isEmpty == false || running[tenant] ?? 0 > 0
    }

    package mutating func enqueue(_ waiting: Waiting) {
        // Runs for every request: lookups, no set of the active tenants.
        if !isActive(waiting.tenant) {
            var floor: Double?
            for (tenant, counter) in counters where isActive(tenant) {
                floor = min(floor ?? counter, counter)
            }
            counters[waiting.tenant] = max(counters[waiting.tenant] ?? 0, floor ?? 0)
        }
        weights[waiting.tenant] = waiting.weight
        queues[waiting.tenant, default: []].append(waiting)
    }

    /// The oldest request of the lowest-counter tenant among those whose next request `fits`.
    package mutating func admitNext(where fits: (Waiting) -> Bool) -> Waiting? {
        // One pass, no arrays: this runs for every admission.
        var best: (tenant: String, waiting: Waiting, counter: Double)?
        for (tenant, queue) in queues {
            guard let first = queue.first, fits(first) else { continue }
            let counter = counters[tenant] ?? 0
            if let current = best, (current.counter, current.waiting.id) <= (counter, first.id) { continue }
            best = (tenant, first, counter)
        }
        guard let (tenant, waiting, _) = best else { return nil }
        queues[tenant]!.removeFirst()
        running[tenant, default: 0] += 1
        return waiting
    }

    /// A running request of `tenant` ended.
    package mutating func release(tenant: String) {
        running[tenant, default: 1] -= 1
    }

    /// Records service given to `tenant`.
    package mutating func charge(tenant: String, weight: Double, promptTokens: Int, generatedTokens: Int) {
        let cost = Double(promptTokens) * Self.promptTokenCost + Double(generatedTokens) * Self.generatedTokenCost
        counters[tenant, default: 0] += cost / max(weight, 1e-3)
    }

    /// Removes and returns requests that waited since before `deadline`.
    package mutating func expire(enqueuedBefore deadline: ContinuousClock.Instant) -> [Waiting] {
        var expired: [Waiting] = []
        for tenant in queues.keys {
            expired += queues[tenant]!.filter { $0.enqueued < deadline }
            queues[tenant]!.removeAll { $0.enqueued < deadline }
        }
        return expired
    }

    /// Requests of `tenant` waiting.
    package func waitingCount(of tenant: String) -> Int { queues[tenant]?.count ?? 0 }

    /// Makes room in a full queue for a request of `tenant`: removes and returns the newest
    /// waiting request of the tenant with the most waiting, when that is at least two more than
    /// `tenant` has — so one tenant's flood fills the queue only until another tenant comes, and
    /// is what gets refused then. Nil when `tenant` already has its share of the queue.
    package mutating func displace(toMakeRoomFor tenant: String) -> Waiting? {
        let mine = waitingCount(of: tenant)
        var busiest: (tenant: String, count: Int)?
        for (other, queue) in queues where other != tenant && queue.count > (busiest?.count ?? mine + 1) {
            busiest = (other, queue.count)
        }
        guard let busiest else { return nil }
        return queues[busiest.tenant]!.removeLast()
    }

    /// Removes a waiting request (its client went away).
    package mutating func remove(id: Int) -> Waiting? {
        for tenant in queues.keys {
            if let index = queues[tenant]!.firstIndex(where: { $0.id == id }) {
                return queues[tenant]!.remove(at: index)
            }
        }
        return nil
    }
}
