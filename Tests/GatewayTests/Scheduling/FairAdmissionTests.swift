import Foundation
@testable import Gateway
import Synchronization
import Testing

/// The gateway's fair scheduler in front of an engine that serves first come first served.
/// Latencies are counted in the test engine's steps (one token per running request per step),
/// never in wall-clock time: before each step the test waits until everything the scheduler
/// let in has reached the engine and every event sent has been read, so the count is the same
/// however loaded the machine is.
@Suite(.serialized, .timeLimit(.minutes(2))) struct FairAdmissionTests {
    /// Sales and development, two teams of acme.
    private struct Teams {
        let sales: TenantKey
        let development: TenantKey

        static func make() async throws -> Teams {
            let world = try await GatewayWorld.make()
            let sales = try #require(try await world.principal("bob").tenantScope)
            let development = try #require(try await world.principal("carol").tenantScope)
            return Teams(sales: TenantKey(sales), development: TenantKey(development))
        }
    }

    private static func request(_ tenant: TenantKey, tokens: Int, weight: Double = 1) -> GenerationRequest {
        GenerationRequest(
            tenant: tenant, model: "test", messages: [ChatTurn(role: .user, content: "hi")],
            sampling: GenerationSampling(temperature: 0, topP: 1, maxTokens: tokens), streaming: true, weight: weight)
    }

    /// Runs requests against `backend` and reads their streams, counting what it read.
    private final class Load: Sendable {
        let backend: any LanguageModelBackend
        let engine: TestEngine
        let admission: FairAdmission?
        private let state = Mutex((submitted: 0, ended: 0, read: 0, failures: [String]()))
        private let tasks = Mutex([Task<Void, Never>]())

        init(backend: any LanguageModelBackend, engine: TestEngine, admission: FairAdmission?) {
            self.backend = backend
            self.engine = engine
            self.admission = admission
        }

        /// Starts a request; its task ends when its stream does. Returns the engine clock at submission.
        @discardableResult
        func submit(_ request: GenerationRequest, onEnd: @escaping @Sendable (Int) -> Void = { _ in }) -> Task<Void, Never> {
            state.withLock { $0.submitted += 1 }
            let task = Task { [self] in
                do {
                    for try await _ in backend.generate(request) { state.withLock { $0.read += 1 } }
                } catch {
                    state.withLock { $0.failures.append("\(error)") }
                }
                onEnd(engine.clock)
                state.withLock { $0.ended += 1 }
            }
            tasks.withLock { $0.append(task) }
            return task
        }

        var failures: [String] { state.withLock { $0.failures } }
        var ended: Int { state.withLock { $0.ended } }

        /// Waits until every request submitted is either queued at the scheduler or at the
        /// engine, everything admitted has arrived, and every event emitted has been read.
        func settle() async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                let (submitted, ended, read) = state.withLock { ($0.submitted, $0.ended, $0.read) }
                let live = engine.live
                let settled: Bool
                if let admission {
                    let statistics = admission.statistics
                    settled = statistics.inFlight == live && statistics.inFlight + statistics.queued + ended == submitted
                } else {
                    settled = live + ended == submitted
                }
                if settled && read == engine.emitted { return }
                guard ContinuousClock.now < deadline else { throw SettleTimeout() }
                try await Task.sleep(for: .milliseconds(1))
            }
        }

        func step(_ count: Int = 1) async throws {
            for _ in 0..<count {
                try await settle()
                engine.step()
            }
            try await settle()
        }

        func cancelAll() {
            tasks.withLock { for task in $0 { task.cancel() } }
        }
    }

    private struct SettleTimeout: Error {}

    private static func scheduled(slots: Int, reserved: Int? = nil, queueTimeout: Duration = .seconds(60), maximumQueued: Int = 1024)
        throws -> (Load, FairAdmission)
    {
        let engine = TestEngine(slots: slots)
        let admission = FairAdmission(configuration: try SchedulingConfiguration(
            concurrency: slots, reserved: reserved, queueTimeout: queueTimeout, maximumQueued: maximumQueued))
        return (Load(backend: ScheduledBackend(engine, admission: admission), engine: engine, admission: admission), admission)
    }

    /// B's latency, in engine steps from submission to its last token, with `flood` long
    /// requests of A running and queued first (none when `flood` is 0).
    private static func latencyOfB(_ load: Load, teams: Teams, flood: Int) async throws -> Int {
        for _ in 0..<flood { load.submit(request(teams.sales, tokens: 100)) }
        try await load.step(3)
        let submitted = load.engine.clock
        let finishedAt = Shared<Int?>(nil)
        load.submit(request(teams.development, tokens: 16)) { clock in finishedAt.update { $0 = clock } }
        while finishedAt.value == nil { try await load.step() }
        let latency = try #require(finishedAt.value) - submitted
        load.cancelAll()
        return latency
    }

    @Test func anotherTeamsRequestStartsAtOnceBesideAFlood() async throws {
        let teams = try await Teams.make()
        let (alone, _) = try Self.scheduled(slots: 4)
        let baseline = try await Self.latencyOfB(alone, teams: teams, flood: 0)
        let (flooded, _) = try Self.scheduled(slots: 4)
        let underFlood = try await Self.latencyOfB(flooded, teams: teams, flood: 32)
        #expect(baseline == 16)
        #expect(Double(underFlood) <= 1.5 * Double(baseline), "alone \(baseline) steps, under A's flood \(underFlood)")
    }

    /// The same flood straight at the engine: B waits behind A's requests. This is what the
    /// scheduler prevents, and shows the measurement above can fail.
    @Test func withoutTheSchedulerTheEngineServesTheFloodFirst() async throws {
        let teams = try await Teams.make()
        let engine = TestEngine(slots: 4)
        let load = Load(backend: engine, engine: engine, admission: nil)
        let underFlood = try await Self.latencyOfB(load, teams: teams, flood: 32)
        #expect(underFlood > 10 * 16, "B took \(underFlood) steps")
    }

    @Test func aTeamAloneUsesTheRegularSlotsOnly() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 4)
        for _ in 0..<10 { load.submit(Self.request(teams.sales, tokens: 50)) }
        try await load.step(2)
        #expect(load.engine.running == 3)
        #expect(admission.statistics.queued == 7)
        load.cancelAll()
    }

    @Test func weightsShiftTheSharesAsConfigured() async throws {
        let teams = try await Teams.make()
        let (load, _) = try Self.scheduled(slots: 2, reserved: 0)
        for _ in 0..<60 {
            load.submit(Self.request(teams.sales, tokens: 4, weight: 2))
            load.submit(Self.request(teams.development, tokens: 4, weight: 1))
        }
        try await load.step(120)
        let tokens = load.engine.tokens
        let sales = Double(tokens[teams.sales.teamID.rawValue] ?? 0)
        let development = Double(tokens[teams.development.teamID.rawValue] ?? 0)
        #expect(sales + development == 240)
        #expect((1.6...2.4).contains(sales / development), "sales \(sales), development \(development)")
        load.cancelAll()
    }

    /// The reserve goes to teams below their fair share, and a share follows the weights: with
    /// 4 regular slots held by a team of weight 3 and 4 reserved, another team of weight 1 may
    /// take 2 of them (its share of 8 is 2) and the heavier team the other 2 (its share is 6);
    /// with equal weights the other team takes all 4.
    @Test func theReserveIsSharedByTeamWeight() async throws {
        let teams = try await Teams.make()
        let cases = [(3.0, 1.0, (sales: 6, development: 2)), (1, 1, (sales: 4, development: 4))]
        for (floodWeight, otherWeight, expected) in cases {
            let (load, _) = try Self.scheduled(slots: 8, reserved: 4)
            for _ in 0..<10 { load.submit(Self.request(teams.sales, tokens: 1000, weight: floodWeight)) }
            try await load.settle()
            #expect(load.engine.running == 4, "a team alone takes the regular slots only")
            for _ in 0..<10 { load.submit(Self.request(teams.development, tokens: 1000, weight: otherWeight)) }
            try await load.settle()
            let running = load.engine.runningTeams
            let sales = running.count { $0 == teams.sales.teamID.rawValue }
            let development = running.count { $0 == teams.development.teamID.rawValue }
            #expect(
                sales == expected.sales && development == expected.development,
                "weights \(floodWeight):\(otherWeight): sales runs \(sales), development \(development)")
            load.cancelAll()
        }
    }

    /// In front of a pool of two upstreams of 4 slots (3 regular, 1 reserved each), the budget
    /// is the sum over the healthy ones: 4 while one is ejected, 8 again on its return.
    @Test func theBudgetShrinksWhileAnUpstreamIsDownAndGrowsBackOnItsReturn() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 8, reserved: 2)
        admission.scale(toHealthy: 1, of: 2)
        #expect(admission.statistics.capacity == 4)
        for _ in 0..<10 { load.submit(Self.request(teams.sales, tokens: 1000)) }
        for _ in 0..<4 { load.submit(Self.request(teams.development, tokens: 1000)) }
        try await load.settle()
        #expect(load.engine.running == 4 && admission.statistics.queued == 10)
        admission.scale(toHealthy: 2, of: 2)
        try await load.settle()
        #expect(admission.statistics.capacity == 8)
        #expect(load.engine.running == 8 && admission.statistics.queued == 6)
        // Down again: nothing running is cut, but nothing more starts until fewer run than the budget.
        admission.scale(toHealthy: 1, of: 2)
        load.engine.finishRunning(count: 3)
        try await load.settle()
        #expect(load.engine.running == 5 && admission.statistics.inFlight == 5)
        load.engine.finishRunning(count: 2)
        try await load.settle()
        #expect(load.engine.running == 4, "the freed slots refill only up to the halved budget")
        // None healthy: one upstream's share stays open, for the pool to answer at once.
        admission.scale(toHealthy: 0, of: 2)
        #expect(admission.statistics.capacity == 4)
        load.cancelAll()
    }

    @Test func equalWeightsShareEqually() async throws {
        let teams = try await Teams.make()
        let (load, _) = try Self.scheduled(slots: 2, reserved: 0)
        // Sales queued its flood first: arriving first buys no larger share.
        for _ in 0..<60 { load.submit(Self.request(teams.sales, tokens: 4)) }
        try await load.step(4)
        for _ in 0..<60 { load.submit(Self.request(teams.development, tokens: 4)) }
        let before = load.engine.tokens
        try await load.step(120)
        let tokens = load.engine.tokens
        let sales = Double((tokens[teams.sales.teamID.rawValue] ?? 0) - (before[teams.sales.teamID.rawValue] ?? 0))
        let development = Double(tokens[teams.development.teamID.rawValue] ?? 0)
        #expect((0.8...1.25).contains(sales / development), "sales \(sales), development \(development)")
        load.cancelAll()
    }

    @Test func aCancelledRequestFreesItsSlotAndCancelsTheEnginesWork() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 1)
        let first = load.submit(Self.request(teams.sales, tokens: 1000))
        try await load.step()
        load.submit(Self.request(teams.sales, tokens: 1000))
        try await load.settle()
        #expect(admission.statistics.queued == 1)
        first.cancel()
        try await load.settle()
        #expect(load.engine.cancelled == 1)
        #expect(admission.statistics.inFlight == 1 && admission.statistics.queued == 0)
        #expect(load.engine.running == 1)
        load.cancelAll()
    }

    @Test func aWaiterThatHangsUpLeavesTheQueueAtOnce() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 1)
        // One at a time: two tasks started together may reach the scheduler in either order,
        // and the waiter must be the one that waits.
        load.submit(Self.request(teams.sales, tokens: 1000))
        try await load.settle()
        let waiter = load.submit(Self.request(teams.development, tokens: 10))
        try await load.settle()
        #expect(admission.statistics.queued == 1)
        #expect(load.engine.runningTeams == [teams.sales.teamID.rawValue])
        waiter.cancel()
        await waiter.value
        #expect(admission.statistics.queued == 0)
        #expect(load.engine.live == 1)
        load.cancelAll()
    }

    @Test func aRequestThatWaitsPastTheQueueTimeoutIsBusyWithRetryAfter() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 1, queueTimeout: .milliseconds(50))
        load.submit(Self.request(teams.sales, tokens: 1000))
        try await load.settle()
        await #expect {
            for try await _ in load.backend.generate(Self.request(teams.development, tokens: 4)) {}
        } throws: { error in
            guard case .busy = error as? BackendError else { return false }
            let failure = GatewayError.from(error as! BackendError)
            return failure.kind == .unavailable && failure.retryAfter != nil
        }
        #expect(admission.statistics.refused == 1 && admission.statistics.queued == 0)
        load.cancelAll()
    }

    @Test func aFullQueueRefusesAtOnce() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 1, maximumQueued: 1)
        load.submit(Self.request(teams.sales, tokens: 1000))
        load.submit(Self.request(teams.sales, tokens: 1000))
        try await load.settle()
        await #expect {
            _ = try await load.backend.complete(Self.request(teams.development, tokens: 4))
        } throws: { error in
            if case .busy = error as? BackendError { true } else { false }
        }
        #expect(admission.statistics.queued == 1)
        load.cancelAll()
    }

    /// One team filling the queue does not turn another team away: the newcomer takes the
    /// place of the flooding team's newest waiter, which is refused instead; the flooding team
    /// is held to the limit however many slots stand free for others.
    @Test func aTeamThatFillsTheQueueIsWhatAFullQueueRefuses() async throws {
        let teams = try await Teams.make()
        let (load, admission) = try Self.scheduled(slots: 2, reserved: 1, maximumQueued: 3)
        for _ in 0..<5 { load.submit(Self.request(teams.sales, tokens: 1000)) }
        try await load.settle()
        #expect(admission.statistics.inFlight == 1, "the reserve stays free for another team")
        #expect(admission.statistics.queued == 3 && load.failures.count == 1, "\(load.failures)")
        load.submit(Self.request(teams.development, tokens: 4))
        try await load.settle()
        #expect(load.failures.count == 2 && load.failures.allSatisfy { $0.contains("already waiting") }, "\(load.failures)")
        #expect(admission.statistics.inFlight == 2 && admission.statistics.queued == 2, "development runs in the reserve")
        load.cancelAll()
    }

    @Test func configurationsOutOfRangeAreRefused() throws {
        #expect(throws: BackendError.self) { try SchedulingConfiguration(concurrency: 0) }
        #expect(throws: BackendError.self) { try SchedulingConfiguration(concurrency: 4, reserved: 4) }
        #expect(throws: BackendError.self) { try SchedulingConfiguration(concurrency: 4, maximumQueued: -1) }
        #expect(try SchedulingConfiguration(concurrency: 128).reserved == 4)
        #expect(try SchedulingConfiguration(concurrency: 64).reserved == 2)
        #expect(try SchedulingConfiguration(concurrency: 32).reserved == 1)
        #expect(try SchedulingConfiguration(concurrency: 4).reserved == 1)
        #expect(try SchedulingConfiguration(concurrency: 2).reserved == 1)
        #expect(try SchedulingConfiguration(concurrency: 1).reserved == 0)
    }
}
