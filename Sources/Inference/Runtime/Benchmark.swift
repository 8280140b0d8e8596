import Foundation

/// Prompt-processing and generation speed of a model, measured like llama-bench:
/// `pp` evaluates `promptTokens` random tokens as one batch on an empty cache; `tg` decodes
/// `generationTokens` tokens one pass each from an empty cache. Both after a warm-up run.
public struct Benchmark: Sendable {
    public struct Result: Sendable, Codable {
        public var promptTokensPerSecond: Double
        public var generationTokensPerSecond: Double
        public var threads: Int
        public var promptTokens: Int
        public var generationTokens: Int
        public var repetitions: Int
        /// Standard deviations over the repetitions.
        public var promptDeviation: Double
        public var generationDeviation: Double

        enum CodingKeys: String, CodingKey {
            case promptTokensPerSecond = "prompt_tokens_per_second"
            case generationTokensPerSecond = "generation_tokens_per_second"
            case threads
            case promptTokens = "prompt_tokens"
            case generationTokens = "generation_tokens"
            case repetitions
            case promptDeviation = "prompt_tokens_per_second_stddev"
            case generationDeviation = "generation_tokens_per_second_stddev"
        }
    }

    public let model: LanguageModel
    public init(model: LanguageModel) { self.model = model }

    public func run(promptTokens: Int, generationTokens: Int, repetitions: Int) throws -> Result {
        var generator = SplitMix64(seed: 42)
        let vocabulary = UInt64(model.hyperParameters.vocabularySize)
        let prompt = (0..<promptTokens).map { _ in TokenID(generator.next() % vocabulary) }
        let contextSize = max(promptTokens, generationTokens) + 1

        func timePrompt() throws -> Double {
            let cache = model.makeCache(slots: 1, maximumPositions: contextSize)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try model.forward(.sequence(prompt), cache: cache)
            return Double(promptTokens) / Self.seconds(since: start)
        }
        func timeGeneration() throws -> Double {
            let cache = model.makeCache(slots: 1, maximumPositions: contextSize)
            var token = prompt.first ?? 0
            let start = DispatchTime.now().uptimeNanoseconds
            for position in 0..<generationTokens {
                let logits = try model.forward(.sequence([token], startingAt: position), cache: cache)
                token = logits.argmax(row: 0)
            }
            return Double(generationTokens) / Self.seconds(since: start)
        }

        var pp: [Double] = [], tg: [Double] = []
        if promptTokens > 0 { _ = try timePrompt() }
        if generationTokens > 0 { _ = try timeGeneration() }
        for _ in 0..<max(1, repetitions) {
            if promptTokens > 0 { pp.append(try timePrompt()) }
            if generationTokens > 0 { tg.append(try timeGeneration()) }
        }
        return Result(
            promptTokensPerSecond: Self.mean(pp), generationTokensPerSecond: Self.mean(tg),
            threads: model.threadCount, promptTokens: promptTokens, generationTokens: generationTokens,
            repetitions: max(1, repetitions), promptDeviation: Self.deviation(pp), generationDeviation: Self.deviation(tg))
    }

    /// Aggregate decode speed of `sequences` sequences decoded together, as a serving engine
    /// runs them: each first gets a `context`-token prompt, then every pass computes one token
    /// for every sequence (weights read once per pass). Tokens/s of all sequences together,
    /// the mean of `repetitions` timed runs of `generationTokens` passes after a warm-up.
    public func runBatchedGeneration(sequences: Int, context: Int, generationTokens: Int, repetitions: Int) throws -> Double {
        var generator = SplitMix64(seed: 7)
        let vocabulary = UInt64(model.hyperParameters.vocabularySize)
        func timeOnce() throws -> Double {
            let cache = model.makeCache(slots: sequences, maximumPositions: context + generationTokens + 1)
            var next: [TokenID] = []
            for slot in 0..<sequences {
                let prompt = (0..<max(1, context)).map { _ in TokenID(generator.next() % vocabulary) }
                let logits = try model.forward(.sequence(prompt, slot: slot), cache: cache)
                next.append(logits.argmax(row: 0))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            for step in 0..<generationTokens {
                var batch = Batch()
                for slot in 0..<sequences {
                    batch.append(next[slot], position: max(1, context) + step, sequence: slot, wantsLogits: true)
                }
                let logits = try model.forward(batch, cache: cache)
                for slot in 0..<sequences { next[slot] = logits.argmax(row: slot) }
            }
            return Double(sequences * generationTokens) / Self.seconds(since: start)
        }
        _ = try timeOnce()
        return Self.mean(try (0..<max(1, repetitions)).map { _ in try timeOnce() })
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    private static func deviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }
}

/// A tiny deterministic generator (SplitMix64) for benchmark and test inputs, so every run
/// feeds the same "random" input.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
