/// What a ``LanguageModelBackend`` streams: text, then one final event.
public enum GenerationEvent: Sendable, Hashable {
    /// The next piece of generated text (may be empty).
    case delta(String)
    /// Generation ended: the tokens it took and why it stopped. Always the last event.
    case finished(Usage, FinishReason)
}

/// Why generation stopped, with the OpenAI `finish_reason` values as raw values.
public enum FinishReason: String, Sendable, Hashable, Codable {
    /// End of turn, or a stop sequence was produced.
    case stop
    /// `max_tokens` was reached.
    case length
    /// The backend refused to continue.
    case contentFilter = "content_filter"
}
