/// The decoding state of one sequence, independent of how it is batched: it picks each next
/// token from the logits, turns tokens into text deltas that never split a UTF-8 character
/// or reveal the start of a stop string, and decides when the sequence is finished.
///
/// The single-sequence `TextGenerator` and the serving engine's batched loop both drive it.
public struct SequenceDecoder: Sendable {
    /// One accepted token's effect: text to emit now, and whether the sequence is finished.
    public struct Step: Sendable, Equatable {
        public var token: TokenID
        public var text: String
        public var finish: FinishReason?
    }

    public let options: GenerationOptions
    public private(set) var generated: [TokenID] = []
    public private(set) var finish: FinishReason?
    private var history: [TokenID]
    private var sampler: Sampler
    private var detokenizer: StreamingDetokenizer
    private var stopMatcher: StopStringMatcher
    private let endOfGeneration: Set<TokenID>
    /// Set when the options ask for JSON: it forbids every token that would break it.
    private var constraint: JSONConstraint?

    /// - Parameter tokenTable: the vocabulary's bytes, for ``OutputFormat/jsonObject`` (made from
    ///   `tokenizer` when not given; a model keeps one, ``LocalModel/tokenTable``).
    public init(
        prompt: [TokenID], options: GenerationOptions, tokenizer: any Tokenizer, endOfGeneration: Set<TokenID>,
        tokenTable: TokenByteTable? = nil
    ) throws {
        self.options = options
        history = prompt
        sampler = Sampler(options.sampling)
        detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        stopMatcher = try StopStringMatcher(options.stop)
        self.endOfGeneration = endOfGeneration
        if options.format == .jsonObject {
            constraint = JSONConstraint(table: tokenTable ?? TokenByteTable(tokenizer: tokenizer))
        }
    }

    /// Chooses the next token from `logits` (which the sampler and the constraint may modify).
    public mutating func choose(from logits: UnsafeMutableBufferPointer<Float>) -> TokenID {
        constraint?.mask(logits, endOfGeneration: endOfGeneration)
        return sampler.sample(logits, history: history)
    }

    /// Accepts `token` as generated; returns the text it releases and whether decoding is over.
    public mutating func accept(_ token: TokenID) -> Step {
        precondition(finish == nil, "a finished sequence accepts no more tokens")
        generated.append(token)
        history.append(token)
        constraint?.accept(token)
        if endOfGeneration.contains(token) {
            finish = .stop
            return Step(token: token, text: release(detokenizer.flush(), final: true), finish: .stop)
        }
        let text = release(detokenizer.append(token), final: false)
        if stopMatcher.stopped {
            finish = .stop
        } else if generated.count >= options.maxTokens {
            let rest = release(detokenizer.flush(), final: true)
            finish = stopMatcher.stopped ? .stop : .length
            return Step(token: token, text: text + rest, finish: finish)
        }
        return Step(token: token, text: text, finish: finish)
    }

    /// Passes decoded text through the stop-string matcher; at the end, also what it held back.
    private mutating func release(_ text: String, final: Bool) -> String {
        let (emit, stopped) = stopMatcher.append(text)
        return final && !stopped ? emit + stopMatcher.finish() : emit
    }
}
