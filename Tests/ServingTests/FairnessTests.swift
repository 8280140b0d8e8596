import Foundation
import Inference
import Testing
@testable import Serving

/// The fairness bound with the real SmolLM2 on the shared engine: team A keeps 16 requests
/// in flight while team B sends short requests one after another; B's mean latency stays
/// within 1.5× of B alone. Alone and flooded rounds alternate, so machine noise hits both.
@Suite(.serialized) struct FairnessTests {
    let topics = ["lighthouses", "volcanoes", "glaciers", "comets", "harbors", "deserts"]

    func request(_ tenant: String, topic: String, maxTokens: Int, local: LocalModel) throws -> ServingRequest {
        ServingRequest(tenant: tenant, prompt: try local.chatPrompt([.user("Write a long story about \(topic).")]),
                       options: try GenerationOptions(maxTokens: maxTokens))
    }

    /// Seconds each of B's sequential requests took.
    func teamB(_ engine: ServingEngine, local: LocalModel, round: Int) async throws -> [Double] {
        var latencies: [Double] = []
        for index in 0..<3 {
            let topic = topics[(round * 3 + index) % topics.count]
            let start = ContinuousClock.now
            for try await _ in engine.submit(try request("b", topic: topic, maxTokens: 16, local: local)) {}
            let elapsed = ContinuousClock.now - start
            latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return latencies
    }

    @Test func aTeamHoldingEveryRegularSlotLeavesAReservedOneToAnother() async throws {
        let local = try #require(ServingEngineTests.local, "SmolLM2 not fetched")
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration(maximumSequences: 1, reservedSequences: 1))
        let long = Task {
            for try await _ in engine.submit(try request("a", topic: "comets", maxTokens: 2000, local: local)) {}
        }
        while engine.statistics.running < 1 { try await Task.sleep(for: .milliseconds(10)) }
        var finished = false
        for try await event in engine.submit(try request("b", topic: "harbors", maxTokens: 4, local: local)) {
            if case .finished = event { finished = true }
        }
        #expect(finished && engine.statistics.running == 1, "b finished while a still held the regular slot")
        long.cancel()
        await engine.shutdown()
    }

    @Test func aLightTeamStaysWithinOneAndAHalfTimesItsLatencyAloneUnderAFlood() async throws {
        let local = try #require(ServingEngineTests.local, "SmolLM2 not fetched")
        let engine = ServingEngine(model: local, configuration: try ServingConfiguration())
        var alone: [Double] = []
        var flooded: [Double] = []
        for round in 0..<2 {
            alone += try await teamB(engine, local: local, round: round)
            let flood = (0..<16).map { worker in
                Task {
                    var turn = 0
                    while !Task.isCancelled {
                        let topic = topics[(worker + turn) % topics.count]
                        turn += 1
                        for try await _ in engine.submit(try request("a", topic: topic, maxTokens: 64, local: local)) {}
                    }
                }
            }
            while engine.statistics.running < 16 { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            flooded += try await teamB(engine, local: local, round: round)
            #expect(engine.statistics.running >= 16, "A's flood was still running")
            for task in flood { task.cancel() }
            for task in flood { _ = await task.result }
        }
        let aloneMean = alone.reduce(0, +) / Double(alone.count)
        let floodedMean = flooded.reduce(0, +) / Double(flooded.count)
        print("fairness: B alone \(aloneMean) s, under A's flood \(floodedMean) s, ratio \(floodedMean / aloneMean)")
        #expect(floodedMean <= 1.5 * aloneMean, "B: \(floodedMean) s under the flood, \(aloneMean) s alone")
        await engine.shutdown()
    }
}
