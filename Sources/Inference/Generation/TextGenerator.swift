/// Generates one sequence at a time on a `LocalModel`: prompt as one batch, then one token
/// per forward pass until the decoder finishes. (The serving engine batches many sequences.)
public struct TextGenerator: Sendable {
    public struct Result: Sendable {
        public var promptTokens: [TokenID]
        public var tokens: [TokenID]
        public var text: String
        public var finish: FinishReason
    }

    public let model: LocalModel

    public init(model: LocalModel) { self.model = model }

    /// Runs the generation, handing each text delta to `onText` as soon as it is safe to show.
    public func generate(prompt: [TokenID], options: GenerationOptions,
                         onText: (String) -> Void = { _ in }) throws -> Result {
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        let network = model.network
        let limit = network.hyperParameters.contextLength
        guard prompt.count < limit else { throw GenerationError.promptTooLong(tokens: prompt.count, limit: limit) }
        let cache = network.makeCache(slots: 1, maximumPositions: min(limit, prompt.count + options.maxTokens))
        var decoder = try SequenceDecoder(prompt: prompt, options: options, tokenizer: model.tokenizer,
                                          endOfGeneration: model.endOfGeneration, tokenTable: model.tokenTable)
        var logits = try network.forward(.sequence(prompt), cache: cache)
        var text = ""
        var position = prompt.count
        while true {
            let token = logits.values.withUnsafeMutableBufferPointer { decoder.choose(from: $0) }
            let step = decoder.accept(token)
            if !step.text.isEmpty {
                text += step.text
                onText(step.text)
            }
            if let finish = step.finish {
                return Result(promptTokens: prompt, tokens: decoder.generated, text: text, finish: finish)
            }
            if position >= cache.maximumPositions {
                return Result(promptTokens: prompt, tokens: decoder.generated, text: text, finish: .length)
            }
            logits = try network.forward(.sequence([token], startingAt: position), cache: cache)
            position += 1
        }
    }
}
