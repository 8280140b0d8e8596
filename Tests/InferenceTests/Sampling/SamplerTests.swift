import Foundation
import Testing
@testable import Inference

/// Each sampling stage alone, then the whole sampler: greedy ties, seeded determinism, distribution.
@Suite struct SamplerTests {
    func withLogits<T>(_ values: [Float], _ body: (UnsafeMutableBufferPointer<Float>) -> T) -> (T, [Float]) {
        var values = values
        let result = values.withUnsafeMutableBufferPointer { body($0) }
        return (result, values)
    }

    func candidates(_ logits: [Float]) -> [TokenCandidate] {
        logits.enumerated().map { TokenCandidate(id: TokenID($0.offset), logit: $0.element) }
    }

    @Test func penaltiesFollowLlamaCpp() throws {
        let parameters = try SamplingParameters(repetitionPenalty: 2, frequencyPenalty: 0.5, presencePenalty: 0.25,
                                                penaltyWindow: 3)
        let (_, logits) = withLogits([2, -2, 1, 4]) {
            SamplerStages.applyPenalties($0, history: [3, 0, 1, 0], parameters: parameters)
        }
        // Token 3 lies outside the 3-token window; token 0 was seen twice, token 1 once.
        let expected: [Float] = [2 / 2 - (2 * 0.5 + 0.25), -2 * 2 - (0.5 + 0.25), 1, 4]
        #expect(logits == expected)
    }

    @Test func greedyTakesTheLowestIdAmongEqualMaxima() throws {
        var sampler = Sampler(try SamplingParameters())
        let (id, _) = withLogits([0.5, 3, -1, 3]) { sampler.sample($0, history: []) }
        #expect(id == 1)
    }

    /// A vanishing temperature is the argmax, as its limit is: 1e-40 is a subnormal Float whose
    /// inverse is infinite, which made every logit infinite and the draw random (attack round 6).
    @Test func aTemperatureTooSmallToDivideByIsGreedy() throws {
        // Float.leastNormalMagnitude / 10,000 ≈ 1.2e-42: subnormal, its inverse infinite.
        for temperature: Float in [.leastNormalMagnitude / 10_000, 1e-38, 1e-6] {
            var sampler = Sampler(try SamplingParameters(temperature: temperature))
            for _ in 0..<50 {
                let (id, _) = withLogits([0.5, 3, -1, 2.9, 1]) { sampler.sample($0, history: []) }
                #expect(id == 1, "temperature \(temperature)")
            }
        }
        #expect(try !SamplingParameters(temperature: 1e-4).isGreedy)
    }

    @Test func greedyAppliesPenaltiesFirst() throws {
        var sampler = Sampler(try SamplingParameters(repetitionPenalty: 2, penaltyWindow: 8))
        let (id, _) = withLogits([0.5, 3, -1, 2]) { sampler.sample($0, history: [1]) }
        #expect(id == 3)
    }

    @Test func topKKeepsTheBestKBestFirst() {
        var kept: [TokenCandidate] = []
        _ = withLogits([1, 3, 3, 0, 2.5]) { SamplerStages.topK($0, k: 3, into: &kept) }
        #expect(kept.map(\.id) == [1, 2, 4])
    }

    @Test func topPKeepsTheSmallestSetReachingP() {
        let logits: [Float] = [log(0.2), log(0.5), log(0.3)]
        for sorted in [false, true] {
            var pool = sorted ? [candidates(logits)[1], candidates(logits)[2], candidates(logits)[0]] : candidates(logits)
            SamplerStages.topP(&pool, p: 0.7, sorted: sorted)
            #expect(pool.map(\.id) == [1, 2])
            SamplerStages.topP(&pool, p: 0.1, sorted: true)
            #expect(pool.map(\.id) == [1])
        }
    }

    @Test func topPFindsTheSameNucleusWithOrWithoutSortedInput() {
        var source = SeededGenerator(seed: 5)
        for p: Float in [0.1, 0.5, 0.9, 0.99] {
            let pool = candidates((0..<5000).map { _ in Float.random(in: -8...8, using: &source) })
            var unsorted = pool
            SamplerStages.topP(&unsorted, p: p, sorted: false)
            var sorted = pool.sorted { $0.isBetter(than: $1) }
            SamplerStages.topP(&sorted, p: p, sorted: true)
            #expect(unsorted == sorted, "p = \(p)")
            #expect(unsorted.count > 1)
        }
    }

    @Test func minPDropsTokensBelowAFractionOfTheBest() {
        let logits: [Float] = [log(0.5), log(0.3), log(0.2)]
        var pool = candidates(logits)
        SamplerStages.minP(&pool, p: 0.5)
        #expect(pool.map(\.id) == [0, 1])
    }

    @Test func temperatureDividesLogits() {
        var pool = candidates([1, -2])
        SamplerStages.applyTemperature(&pool, 0.5)
        #expect(pool.map(\.logit) == [2, -4])
    }

    @Test func drawWalksTheCumulativeProbabilities() {
        let logits: [Float] = [log(0.5), log(0.3), log(0.2)]
        let pool = candidates(logits)
        #expect(SamplerStages.draw(pool, unit: 0) == 0)
        #expect(SamplerStages.draw(pool, unit: 0.6) == 1)
        #expect(SamplerStages.draw(pool, unit: 0.85) == 2)
        #expect(SamplerStages.draw(candidates([-.infinity, 1]), unit: 0.999) == 1)
    }

    @Test(arguments: [0.7, 1.0, 1.6] as [Float])
    func drawFromAllMatchesTheCandidatePath(temperature: Float) {
        var source = SeededGenerator(seed: 21)
        let logits = (0..<1_037).map { _ in Float.random(in: -6...6, using: &source) }  // not whole vectors
        for _ in 0..<300 {
            let unit = Double.random(in: 0..<1, using: &source)
            var pool = candidates(logits)
            SamplerStages.applyTemperature(&pool, temperature)
            var row = logits
            let fast = row.withUnsafeMutableBufferPointer {
                SamplerStages.drawFromAll($0, temperature: temperature, unit: unit)
            }
            #expect(fast == SamplerStages.draw(pool, unit: unit), "unit \(unit)")
        }
    }

    @Test func drawFromAllNeverPicksImpossibleTokens() {
        var source = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            var row: [Float] = (0..<40).map { $0 % 3 == 0 ? .nan : ($0 % 3 == 1 ? -.infinity : 0) }
            let unit = Double.random(in: 0..<1, using: &source)
            let token = row.withUnsafeMutableBufferPointer { SamplerStages.drawFromAll($0, temperature: 1, unit: unit) }
            #expect(token % 3 == 2)
        }
    }

    func run(_ parameters: SamplingParameters, steps: Int, vocabulary: Int = 500) -> [TokenID] {
        var sampler = Sampler(parameters)
        var source = SeededGenerator(seed: 99)
        var history: [TokenID] = []
        for _ in 0..<steps {
            var logits = (0..<vocabulary).map { _ in Float.random(in: -4...4, using: &source) }
            history.append(logits.withUnsafeMutableBufferPointer { sampler.sample($0, history: history) })
        }
        return history
    }

    @Test func sameSeedSameTokens() throws {
        let parameters = try SamplingParameters(temperature: 1, topK: 50, topP: 0.9, minP: 0.01,
                                                repetitionPenalty: 1.1, seed: 1234)
        let first = run(parameters, steps: 200)
        #expect(first == run(parameters, steps: 200))
        let other = try SamplingParameters(temperature: 1, topK: 50, topP: 0.9, minP: 0.01,
                                           repetitionPenalty: 1.1, seed: 1235)
        #expect(first != run(other, steps: 200))
    }

    @Test func drawsFollowTheDistribution() throws {
        var sampler = Sampler(try SamplingParameters(temperature: 1, seed: 7))
        var counts = [0, 0, 0]
        for _ in 0..<20_000 {
            var logits: [Float] = [log(0.5), log(0.3), log(0.2)]
            counts[Int(logits.withUnsafeMutableBufferPointer { sampler.sample($0, history: []) })] += 1
        }
        let frequencies = counts.map { Double($0) / 20_000 }
        #expect(abs(frequencies[0] - 0.5) < 0.02 && abs(frequencies[1] - 0.3) < 0.02 && abs(frequencies[2] - 0.2) < 0.02)
    }

    @Test func topKOfOneIsArgmaxAtAnyTemperature() throws {
        let parameters = try SamplingParameters(temperature: 2, topK: 1, seed: 3)
        var sampler = Sampler(parameters)
        for _ in 0..<50 {
            var logits: [Float] = [0, 1, 0.99, -3]
            #expect(logits.withUnsafeMutableBufferPointer { sampler.sample($0, history: []) } == 1)
        }
    }

    @Test func generatorIsDeterministicPerSeed() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        #expect(Set(first).count == 8)
    }
}
