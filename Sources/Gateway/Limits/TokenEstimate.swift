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
        messages.reduce(0) { $0 + tokens(inText: $1.content) + tokensPerMessage }
    }

    /// A token per 4 bytes of `text`, rounded up.
    static func tokens(inText text: String) -> Int {
        (text.utf8.count + bytesPerToken - 1) / bytesPerToken
    }

    /// The most tokens `messages` can be: one per byte (a byte-level BPE vocabulary, and
    /// SentencePiece with byte fallback, never make more tokens than the text has UTF-8
    /// bytes), and the chat template's markers — ``templateTokensPerMessage`` a message and
    /// ``templateTokensPerRequest`` for the template's own text and the reply's opening.
    /// One rule for both its uses: what a budget reserves for a prompt, and the most an
    /// upstream's usage may charge for it — were they to differ, an engine reporting more
    /// than the reservation could spend a budget past its end (attack round 6).
    static func promptCeiling(of messages: [ChatTurn]) -> Int {
        messages.reduce(templateTokensPerRequest) { $0 + $1.content.utf8.count + templateTokensPerMessage }
    }

    /// Generous for any chat template's role markers and separators (ChatML spends about 5).
    static let templateTokensPerMessage = 16
    /// Generous for a template's own text (a default system prompt it adds) and the reply's opening.
    static let templateTokensPerRequest = 64

    /// The prompt estimate plus the most the answer may take.
    static func upperBound(of request: GenerationRequest) -> Int {
        prompt(of: request.messages) + request.sampling.maxTokens
    }
}
