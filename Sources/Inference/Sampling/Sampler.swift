/// Chooses the next token from a row of logits, in llama.cpp's stage order:
/// logit bias → penalties → top-k → top-p → min-p → temperature → a seeded draw (or argmax when greedy).
///
/// ```swift
/// var sampler = Sampler(try SamplingParameters(temperature: 0.7, topP: 0.9, seed: 7))
/// let next = logits.withUnsafeMutableBufferPointer { sampler.sample($0, history: tokens) }
/// ```
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var generator: SeededGenerator
    /// Reused between calls: no allocation per token once it has grown.
    private var candidates: [TokenCandidate] = []

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        generator = SeededGenerator(seed: parameters.seed ?? system.next())
    }

    /// The next token. `history`: the tokens so far (prompt and generated), for the penalties.
    /// The bias and the penalties are written into `logits`.
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>, history: [TokenID]) -> TokenID {
        precondition(!logits.isEmpty, "Sampler.sample needs at least one logit")
        for (id, bias) in parameters.logitBias where Int(id) < logits.count { logits[Int(id)] += bias }
        SamplerStages.applyPenalties(logits, history: history, parameters: parameters)
        if parameters.isGreedy { return SamplerStages.argmax(logits) }

        let usesTopK = parameters.topK > 0 && parameters.topK < logits.count
        if !usesTopK && parameters.topP >= 1 && parameters.minP <= 0 {
            return SamplerStages.drawFromAll(logits, temperature: parameters.temperature, unit: generator.nextUnitInterval())
        }
        if usesTopK {
            SamplerStages.topK(logits, k: parameters.topK, into: &candidates)
        } else {
            SamplerStages.all(logits, into: &candidates)
        }
        SamplerStages.topP(&candidates, p: parameters.topP, sorted: usesTopK)
        SamplerStages.minP(&candidates, p: parameters.minP)
        SamplerStages.applyTemperature(&candidates, parameters.temperature)
        return SamplerStages.draw(candidates, unit: generator.nextUnitInterval())
    }
}
