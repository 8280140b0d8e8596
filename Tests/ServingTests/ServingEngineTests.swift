import Foundation
import Inference
import Testing
@testable import Serving

/// The shared engine with the real SmolLM2: batching changes nothing about greedy output,
/// every request finishes, cancelled requests free their slot, limits are enforced.
@Suite(.serialized) struct ServingEngineTests {
    static let local: LocalModel? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let home = ProcessInfo.processInfo.environment["ATRIUM_HOME"] ?? root.appendingPathComponent(".atrium").path
        guard let path = try? ModelLocator(home: home).ggufPath(for: "smollm2-135m") else { return nil }
        return try? LocalModel(path: path, threads: 2)
    }()

    func requireLocal() throws -> LocalModel { try #require(Self.local, "SmolLM2 not fetched") }

    func collect(_ stream: AsyncThrowingStream<ServingEvent, any Error>) async throws -> (String, ServingUsage, FinishReason) {
        var text = ""
        for try await event in stream {
            switch event {
            case .text(let delta): text += delta
            case .finished(let usage, let reason): return (text, usage, reason)
            }
        }
        throw ServingError.engineFailure("stream ended without .finished")
    }

    @Test func greedyOutputIsTheSameAloneAndBatched() async throws {
        let local = try requireLocal()
        let prompts = ["What is the capital of France?", "Write a haiku about databases.",
                       "List three prime numbers.", "Say hello.", "Explain what a CPU does."]
        let options = try GenerationOptions(maxTokens: 24)
        var alone: [String] = []
        for prompt in prompts {
            let result = try TextGenerator(model: local).generate(prompt: local.chatPrompt([.user(prompt)]), options: options)
            alone.append(result.text)
        }
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(maximumSequences: 8, maximumBatchTokens: 64))
        let batched = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, prompt) in prompts.enumerated() {
                let request = ServingRequest(tenant: index % 2 == 0 ? "sales" : "development",
                                             prompt: try local.chatPrompt([.user(prompt)]), options: options)
                group.addTask { (index, try await collect(engine.submit(request)).0) }
            }
            var results = [String](repeating: "", count: prompts.count)
            for try await (index, text) in group { results[index] = text }
            return results
        }
        #expect(batched == alone)
        await engine.shutdown()
    }

    @Test func usageCountsTokensAndLengthLimitStops() async throws {
        let local = try requireLocal()
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration())
        let prompt = local.textPrompt("The quick brown fox")
        let (text, usage, reason) = try await collect(engine.submit(
            ServingRequest(tenant: "t", prompt: prompt, options: try GenerationOptions(maxTokens: 5))))
        #expect(reason == .length)
        #expect(usage.promptTokens == prompt.count)
        #expect(usage.completionTokens == 5)
        #expect(usage.timeToFirstToken != nil)
        #expect(text == " with a quick brown bear")
        await engine.shutdown()
    }

    @Test func tooLongRequestIsRefused() async throws {
        let local = try requireLocal()
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(maximumContext: 64))
        let request = ServingRequest(tenant: "t", prompt: local.textPrompt("Hello"), options: try GenerationOptions(maxTokens: 100))
        await #expect(throws: ServingError.self) { _ = try await collect(engine.submit(request)) }
        await engine.shutdown()
    }

    @Test func cancelledRequestFreesItsSlot() async throws {
        let local = try requireLocal()
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(maximumSequences: 1, reservedSequences: 0))
        let long = ServingRequest(tenant: "a", prompt: local.textPrompt("Once upon a time"),
                                  options: try GenerationOptions(maxTokens: 2000))
        let task = Task { try await collect(engine.submit(long)) }
        try await waitUntilRunning(1, engine)
        task.cancel()
        // With the only slot freed, a second request completes.
        let short = ServingRequest(tenant: "b", prompt: local.textPrompt("Hello"), options: try GenerationOptions(maxTokens: 3))
        let (_, usage, _) = try await collect(engine.submit(short))
        #expect(usage.completionTokens == 3)
        #expect(engine.statistics.running == 0)
        await engine.shutdown()
    }

    @Test func fullQueueAnswersOverloaded() async throws {
        let local = try requireLocal()
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(
            maximumSequences: 1, reservedSequences: 0, queueTimeout: .milliseconds(200)))
        let long = ServingRequest(tenant: "a", prompt: local.textPrompt("Once upon a time"), options: try GenerationOptions(maxTokens: 400))
        let first = Task { try await collect(engine.submit(long)) }
        try await waitUntilRunning(1, engine)
        let waiting = ServingRequest(tenant: "b", prompt: local.textPrompt("Hello"), options: try GenerationOptions(maxTokens: 3))
        await #expect(throws: ServingError.self) { _ = try await collect(engine.submit(waiting)) }
        first.cancel()
        await engine.shutdown()
    }

    /// A full queue refuses the newest request of the tenant with the most waiting, never a
    /// tenant with fewer: one tenant's flood does not get another tenant's requests refused.
    @Test func aTenantThatFillsTheQueueIsWhatAFullQueueRefuses() async throws {
        let local = try requireLocal()
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(
            maximumSequences: 1, reservedSequences: 0, queueTimeout: .seconds(60), maximumQueued: 2))
        // The end of text forbidden: the long request runs until it is cancelled.
        let endless = try SamplingParameters(logitBias: Dictionary(uniqueKeysWithValues: local.endOfGeneration.map { ($0, -100) }))
        func request(_ tenant: String, _ maxTokens: Int) throws -> ServingRequest {
            ServingRequest(
                tenant: tenant, prompt: local.textPrompt("Once upon a time"),
                options: try GenerationOptions(maxTokens: maxTokens, sampling: endless))
        }
        let long = Task { try await collect(engine.submit(try request("flood", 2000))) }
        try await waitUntilRunning(1, engine)
        let floodFirst = Task { try await collect(engine.submit(try request("flood", 2))) }
        let floodSecond = Task { try await collect(engine.submit(try request("flood", 2))) }
        while engine.statistics.queued < 2 { try await Task.sleep(for: .milliseconds(10)) }

        // The queue is full of the flooding tenant's: another tenant's request takes the place
        // of its newest, which is refused at once.
        let other = Task { try await collect(engine.submit(try request("quiet", 2))) }
        await #expect(throws: ServingError.self) { _ = try await floodSecond.value }
        // The flooding tenant's next one is refused itself.
        await #expect(throws: ServingError.self) { _ = try await collect(engine.submit(try request("flood", 2))) }

        long.cancel()
        let (_, usage, _) = try await other.value
        #expect(usage.completionTokens == 2)
        #expect(try await floodFirst.value.1.completionTokens == 2)
        await engine.shutdown()
    }

    /// The KV budget keeps a reserve as the slots do: one tenant alone holds at most the regular
    /// part, so another tenant's request starts at once instead of waiting for one of the first
    /// tenant's long requests to end (attack round 5: 2.96 s instead of 0.06 s).
    @Test func oneTenantsLongRequestsLeaveKVCacheForAnother() async throws {
        let local = try requireLocal()
        let perPosition = local.network.makeCache(slots: 1, maximumPositions: 8).bytesPerPosition
        // 600 positions in all; two regular slots of three, so 400 are the regular part.
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(
            maximumSequences: 2, reservedSequences: 1, kvCacheBudgetBytes: 600 * perPosition, maximumContext: 600))
        let endless = try SamplingParameters(logitBias: Dictionary(uniqueKeysWithValues: local.endOfGeneration.map { ($0, -100) }))
        let prompt = local.textPrompt("Once upon a time")
        func request(_ tenant: String, positions: Int) throws -> ServingRequest {
            ServingRequest(tenant: tenant, prompt: prompt,
                           options: try GenerationOptions(maxTokens: positions - prompt.count, sampling: endless))
        }
        let first = Task { try await collect(engine.submit(try request("flood", positions: 255))) }
        try await waitUntilRunning(1, engine)
        // A second as large would take the flood past the regular part: it waits.
        let second = Task { try await collect(engine.submit(try request("flood", positions: 255))) }
        while engine.statistics.queued < 1 { try await Task.sleep(for: .milliseconds(5)) }
        // Another tenant's 200 positions start at once, from the reserve.
        var other = engine.submit(try request("quiet", positions: 200)).makeAsyncIterator()
        guard case .text = try await other.next() else { throw ServingError.engineFailure("no text") }
        #expect(engine.statistics.running == 2 && engine.statistics.queued == 1, "\(engine.statistics)")
        first.cancel()
        second.cancel()
        await engine.shutdown()
    }

    /// Waits (polling; the engine runs on its own thread) until `count` sequences hold slots.
    private func waitUntilRunning(_ count: Int, _ engine: ServingEngine) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while engine.statistics.running < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(engine.statistics.running >= count, "the long request never started")
    }
}
