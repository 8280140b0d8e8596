/// Decides what one forward pass computes: which running sequences get a token (or a chunk of
/// their prompt) this step.
///
/// A step's duration is the per-token latency of every sequence in it, and it grows with the
/// tokens in it. When one tenant fills the batch with many sequences while another runs only
/// a few, computing everything together would make the small tenant's every token as slow as
/// the whole batch. So a step is *contended* when a **light** tenant has work — one running
/// fewer sequences than the average running tenant, and served no more than
/// ``priorityAllowance`` beyond the least-served other tenant (by the virtual token counters
/// of ``FairScheduler``). Then every tenant gets an equal share of the step: the light
/// tenants' tokens go in first, whole (a prompt too, up to ``maximumBatchTokens``), and each
/// other tenant gets as many tokens as the largest light tenant decodes — at least one —
/// its least recently served sequences first. The light tenant's tokens then wait for a step
/// barely larger than its own instead of a full batch, the others progress at the same
/// per-step rate, and a light tenant served more than that (its prompts) soon exceeds the
/// allowance and waits a full step while the others catch up: the counters keep the shares
/// fair over time.
///
/// A light tenant whose last request just ended is expected back for ``returnWindow`` (a
/// client sending one request after another is idle only for a round trip): steps stay
/// contended meanwhile, so its next request does not arrive in the middle of a full batch.
/// On a slower CPU (or slower kernels) the round trip takes longer, since the HTTP side runs
/// on the cores the steps keep busy, and a full step costs more to wait out: the window is
/// then ``returnSteps`` times the recent step duration, when that is longer.
///
/// Without a light tenant, steps are as large as ``maximumBatchTokens``: every decoding
/// sequence's token first, then prompt chunks, tenants in fair order.
struct StepPlanner {
    /// A running sequence's claim on the step.
    struct Candidate: Equatable {
        let id: Int
        let tenant: String
        /// Prompt tokens still to compute; 0 when decoding (then it wants one token).
        let promptRemaining: Int
        /// The step it last got tokens in (-1: never), for turns among a tenant's sequences.
        let lastServed: Int

        var isPrefilling: Bool { promptRemaining > 0 }
        var demand: Int { max(1, promptRemaining) }
    }

    let maximumBatchTokens: Int
    /// How far (in counter units: a prompt token costs 1, a generated token 2) a light tenant
    /// may be ahead of the least-served other tenant and keep its priority.
    let priorityAllowance: Double
    /// How long a light tenant that went idle is expected back, at least.
    let returnWindow: Duration
    /// How many recent step durations a light tenant that went idle is expected back for.
    static let returnSteps = 3
    /// Moving average of the steps' durations (`stepTook`).
    private(set) var typicalStep: Duration = .zero
    /// Light tenants of the last plan.
    private var light: Set<String> = []
    /// Light tenants that went idle, and until when they are expected back.
    private var returning: [String: ContinuousClock.Instant] = [:]

    /// By default the allowance is one full step of prompt tokens.
    init(maximumBatchTokens: Int, priorityAllowance: Double? = nil, returnWindow: Duration = .milliseconds(50)) {
        self.maximumBatchTokens = maximumBatchTokens
        self.priorityAllowance = priorityAllowance ?? Double(maximumBatchTokens) * FairScheduler<Void>.promptTokenCost
        self.returnWindow = returnWindow
    }

    /// `tenant` has nothing running or waiting any more; if it was light, it is expected back.
    mutating func tenantWentIdle(_ tenant: String, at now: ContinuousClock.Instant) {
        if light.contains(tenant) { returning[tenant] = now + max(returnWindow, typicalStep * Self.returnSteps) }
    }

    /// A forward pass took `duration` (an average over the last few, so one slow step moves it little).
    mutating func stepTook(_ duration: Duration) {
        typicalStep = typicalStep == .zero ? duration : (typicalStep * 3 + duration) / 4
    }

    /// Tokens per sequence id for this step, given each tenant's virtual token counter.
    mutating func plan(_ candidates: [Candidate], counters: [String: Double], now: ContinuousClock.Instant) -> [Int: Int] {
        let present = Set(candidates.map(\.tenant))
        returning = returning.filter { $0.value > now && !present.contains($0.key) }
        let fairOrder = present.sorted { (counters[$0] ?? 0, $0) < (counters[$1] ?? 0, $1) }
        let rank = Dictionary(uniqueKeysWithValues: fairOrder.enumerated().map { ($1, $0) })
        let ordered = candidates.sorted { (rank[$0.tenant]!, $0.lastServed, $0.id) < (rank[$1.tenant]!, $1.lastServed, $1.id) }
        light = lightTenants(candidates, expecting: Set(returning.keys), counters: counters)
        guard !light.isEmpty else { return fill(ordered, budget: maximumBatchTokens) }

        var plan = fill(ordered.filter { light.contains($0.tenant) }, budget: maximumBatchTokens)
        var left = maximumBatchTokens - plan.values.reduce(0, +)
        let share = max(1, light.map { tenant in candidates.filter { $0.tenant == tenant && !$0.isPrefilling }.count }.max() ?? 0)
        // Each other tenant's share goes to its least recently served sequences.
        for tenant in fairOrder where !light.contains(tenant) && left > 0 {
            let turns = ordered.filter { $0.tenant == tenant }.sorted { ($0.lastServed, $0.id) < ($1.lastServed, $1.id) }
            let tokens = fill(turns, budget: min(share, left), decodeFirst: false)
            plan.merge(tokens) { $1 }
            left -= tokens.values.reduce(0, +)
        }
        return plan
    }

    /// Tenants running fewer sequences than the average tenant (those `expecting` run none)
    /// whose counter is at most ``priorityAllowance`` above every other tenant's.
    func lightTenants(_ candidates: [Candidate], expecting: Set<String> = [], counters: [String: Double]) -> Set<String> {
        var running: [String: Int] = [:]
        for tenant in expecting { running[tenant] = 0 }
        for candidate in candidates { running[candidate.tenant, default: 0] += 1 }
        guard running.count > 1 else { return [] }
        // Fewer than the average: count < total / tenants, in integers.
        let few = running.filter { $0.value * running.count < candidates.count }.keys
        let others = Set(running.keys).subtracting(few)
        guard let leastServed = others.map({ counters[$0] ?? 0 }).min() else { return [] }
        return Set(few.filter { (counters[$0] ?? 0) <= leastServed + priorityAllowance })
    }

    /// Up to `budget` tokens to `candidates` in their order: one per decoding sequence, a
    /// chunk of the rest of the prompt per prefilling one. With `decodeFirst`, every decoding
    /// sequence comes before any prompt chunk.
    private func fill(_ candidates: [Candidate], budget: Int, decodeFirst: Bool = true) -> [Int: Int] {
        var plan: [Int: Int] = [:]
        var left = budget
        let passes: [[Candidate]] = decodeFirst
            ? [candidates.filter { !$0.isPrefilling }, candidates.filter(\.isPrefilling)] : [candidates]
        for pass in passes {
            for candidate in pass where left > 0 {
                let tokens = min(candidate.demand, left)
                plan[candidate.id] = tokens
                left -= tokens
            }
        }
        return plan
    }
}
