import Testing
@testable import Serving

/// The engine's scheduling — ``FairScheduler`` ordering and admission, ``SequenceSlots``,
/// ``StepPlanner`` — driven on a synthetic clock where a step of n tokens takes a + b·n:
/// the load of `load.py --fairness` (team A keeps 16 requests of 160 tokens in flight, team B
/// sends 32-token requests one after another, each next request 2 ms after the last answer,
/// an HTTP round trip) without a model or real time.
@Suite struct FairnessSimulationTests {
    /// Step cost in milliseconds: fixed part plus a part per token.
    struct StepCost {
        let fixed: Double
        let perToken: Double
        func callAsFunction(_ tokens: Int) -> Double { fixed + perToken * Double(tokens) }
    }

    struct Simulation {
        struct Request {
            let id: Int
            let tenant: String
            let prompt: Int
            let maxTokens: Int
            let submitted: Double
        }

        final class Running {
            let request: Request
            let slot: Int
            var promptDone = 0
            var generated = 0
            var lastServed = -1

            init(request: Request, slot: Int) {
                self.request = request
                self.slot = slot
            }
        }

        let start = ContinuousClock.now
        let cost: StepCost
        var planner: StepPlanner
        var slots: SequenceSlots
        var scheduler = FairScheduler<Request>()
        var running: [Int: Running] = [:]
        var now = 0.0
        var steps = 0
        var nextID = 0
        /// Requests to submit later: (time in ms, tenant, prompt, max tokens).
        var arrivals: [(Double, String, Int, Int)] = []
        /// Tokens each tenant was served.
        var served: [String: Int] = [:]

        /// `prioritizing` false turns the planner's priority for light tenants off.
        init(cost: StepCost, configuration: ServingConfiguration, prioritizing: Bool) {
            self.cost = cost
            planner = StepPlanner(maximumBatchTokens: configuration.maximumBatchTokens,
                                  priorityAllowance: prioritizing ? nil : -.infinity)
            slots = SequenceSlots(regular: configuration.maximumSequences, reserved: configuration.reservedSequences)
        }

        /// Submits a request `after` ms from now (a client's round trip).
        mutating func submit(_ tenant: String, prompt: Int, maxTokens: Int, after delay: Double) {
            arrivals.append((now + delay, tenant, prompt, maxTokens))
        }

        var instant: ContinuousClock.Instant { start + .microseconds(Int(now * 1000)) }

        mutating func submit(_ tenant: String, prompt: Int, maxTokens: Int) {
            let request = Request(id: nextID, tenant: tenant, prompt: prompt, maxTokens: maxTokens, submitted: now)
            nextID += 1
            scheduler.enqueue(.init(id: request.id, tenant: tenant, weight: 1, enqueued: instant, item: request))
        }

        /// Admits, runs one step, and returns the requests it finished with their latencies (ms).
        mutating func step() -> [(Request, Double)] {
            if running.isEmpty, scheduler.waitingCount == 0, let first = arrivals.map(\.0).min() { now = max(now, first) }
            for arrival in arrivals where arrival.0 <= now { submit(arrival.1, prompt: arrival.2, maxTokens: arrival.3) }
            arrivals.removeAll { $0.0 <= now }
            while let (next, slot) = slots.admitNext(from: &scheduler, where: { _ in true }) {
                running[next.id] = Running(request: next.item, slot: slot)
            }
            guard !running.isEmpty else { return [] }
            let candidates = running.values.map {
                StepPlanner.Candidate(id: $0.request.id, tenant: $0.request.tenant,
                                      promptRemaining: $0.request.prompt - $0.promptDone, lastServed: $0.lastServed)
            }
            let plan = planner.plan(candidates, counters: scheduler.counters, now: instant)
            steps += 1
            now += cost(plan.values.reduce(0, +))
            var finished: [(Request, Double)] = []
            for (id, tokens) in plan {
                let sequence = running[id]!
                let tenant = sequence.request.tenant
                sequence.lastServed = steps
                served[tenant, default: 0] += tokens
                if sequence.promptDone < sequence.request.prompt {
                    sequence.promptDone += tokens
                    scheduler.charge(tenant: tenant, weight: 1, promptTokens: tokens, generatedTokens: 0)
                    // The step that ends the prompt yields the first token, as in the engine.
                    guard sequence.promptDone == sequence.request.prompt else { continue }
                }
                sequence.generated += 1
                scheduler.charge(tenant: tenant, weight: 1, promptTokens: 0, generatedTokens: 1)
                if sequence.generated == sequence.request.maxTokens {
                    running[id] = nil
                    slots.release(sequence.slot)
                    scheduler.release(tenant: tenant)
                    if !scheduler.activeTenants.contains(tenant) { planner.tenantWentIdle(tenant, at: instant) }
                    finished.append((sequence.request, now - sequence.request.submitted))
                }
            }
            return finished
        }
    }

    struct Outcome {
        let bMeanLatency: Double
        /// Team A's tokens per second of simulated time, and per step, while B ran.
        let aTokensPerSecond: Double
        let aTokensPerStep: Double
        /// How far B's virtual counter got ahead of A's at most.
        let bLargestLead: Double
    }

    /// B's mean latency over `bRequests` sequential requests, with `flood` A requests in flight.
    func run(flood: Int, cost: StepCost, configuration: ServingConfiguration, prioritizing: Bool = true, bRequests: Int = 24)
        -> Outcome
    {
        var simulation = Simulation(cost: cost, configuration: configuration, prioritizing: prioritizing)
        let (prompt, floodTokens, bTokens, roundTrip) = (45, 160, 32, 2.0)
        for _ in 0..<flood { simulation.submit("a", prompt: prompt, maxTokens: floodTokens) }
        // Let the flood reach its steady state (load.py's ramp).
        while simulation.now < 2000 && flood > 0 {
            for (request, _) in simulation.step() where request.tenant == "a" {
                simulation.submit("a", prompt: prompt, maxTokens: floodTokens, after: roundTrip)
            }
        }
        let (startTime, startSteps, startServed) = (simulation.now, simulation.steps, simulation.served["a"] ?? 0)
        simulation.submit("b", prompt: prompt, maxTokens: bTokens)
        var latencies: [Double] = []
        var lead = -Double.infinity
        while latencies.count < bRequests {
            let finished = simulation.step()
            if flood > 0 { lead = max(lead, simulation.scheduler.counters["b", default: 0] - simulation.scheduler.counters["a", default: 0]) }
            for (request, latency) in finished {
                if request.tenant == "a" {
                    simulation.submit("a", prompt: prompt, maxTokens: floodTokens, after: roundTrip)
                } else {
                    latencies.append(latency)
                    if latencies.count < bRequests { simulation.submit("b", prompt: prompt, maxTokens: bTokens, after: roundTrip) }
                }
            }
        }
        let elapsed = (simulation.now - startTime) / 1000
        let aTokens = Double((simulation.served["a"] ?? 0) - startServed)
        return Outcome(bMeanLatency: latencies.reduce(0, +) / Double(latencies.count),
                       aTokensPerSecond: aTokens / elapsed, aTokensPerStep: aTokens / Double(simulation.steps - startSteps),
                       bLargestLead: lead)
    }

    /// Step costs measured with SmolLM2 on the 2-core machine (see README, "Serving"): a lone
    /// decode step ≈ 6 ms, each further token ≈ 1.1 ms.
    static let measured = StepCost(fixed: 5, perToken: 1.1)

    /// The measured shape, one dominated by the fixed cost of a step, and one by the cost of
    /// each token (a step of 17 tokens 7× a lone token's).
    @Test(arguments: [measured, StepCost(fixed: 8, perToken: 0.5), StepCost(fixed: 2, perToken: 2)])
    func aLightTenantStaysWithinOneAndAHalfTimesItsLatencyAlone(cost: StepCost) throws {
        let configuration = try ServingConfiguration()
        let alone = run(flood: 0, cost: cost, configuration: configuration)
        let flooded = run(flood: 16, cost: cost, configuration: configuration)
        #expect(flooded.bMeanLatency <= 1.5 * alone.bMeanLatency, "B: \(flooded.bMeanLatency) ms vs \(alone.bMeanLatency) ms alone")
        print("simulated \(cost): B alone \(alone.bMeanLatency) ms, flooded \(flooded.bMeanLatency) ms, A \(flooded.aTokensPerSecond) tok/s, B's lead \(flooded.bLargestLead)")
        // The flood is slowed, not starved: it gets a token in every step at least, and B is
        // never served more than the planner's allowance plus one step beyond it (VTC's bound).
        #expect(flooded.aTokensPerStep >= 1)
        let step = Double(configuration.maximumBatchTokens) * FairScheduler<Void>.generatedTokenCost
        #expect(flooded.bLargestLead <= StepPlanner(maximumBatchTokens: configuration.maximumBatchTokens).priorityAllowance + step)
    }

    /// Without the reserve and the planner's priority the same load keeps B far slower: the
    /// policy, not the cost model, makes the bound.
    @Test func withoutThePolicyTheLightTenantWaits() throws {
        let plain = try ServingConfiguration(reservedSequences: 0)
        let alone = run(flood: 0, cost: Self.measured, configuration: plain, prioritizing: false)
        let flooded = run(flood: 16, cost: Self.measured, configuration: plain, prioritizing: false)
        #expect(flooded.bMeanLatency > 3 * alone.bMeanLatency)
    }
}
