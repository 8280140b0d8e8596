/// How many tokens a request may use at most, before it runs: what the tokens-per-minute
/// limit charges up front.
///
/// The gateway has no tokenizer of its own (an upstream backend tokenizes elsewhere), so
/// the prompt is estimated: a token per 4 bytes of UTF-8 (rounded up), which is about what
/// byte-level BPE vocabularies give for English text, plus a few tokens per message for the
/// chat template's role markers. The estimate only has to be close: the charge is settled
/// against the real count when the request ends.
enum TokenEstimate {
    static let bytesPerToken = 4
    static let tokensPerMessage = 4

    static func prompt(of messages: [ChatTurn]) -> Int {
        messages.reduce(0) { total, message in
            total + (message.content.utf8.count + bytesPerToken - 1) / bytesPerToken + tokensPerMessage
        }
    }

    /// The prompt estimate plus the most the answer may take.
    static func upperBound(of request: GenerationRequest) -> Int {
        prompt(of: request.messages) + request.sampling.maxTokens
    }
}
