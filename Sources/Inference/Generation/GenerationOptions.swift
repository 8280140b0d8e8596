/// What one generation asks for: how many tokens at most, where to stop, how to sample, and
/// what shape the text must have. Invalid values are refused when the options are made.
public struct GenerationOptions: Sendable, Equatable {
    public var maxTokens: Int
    public var stop: [String]
    public var sampling: SamplingParameters
    public var format: OutputFormat

    public init(
        maxTokens: Int = 256, stop: [String] = [], sampling: SamplingParameters? = nil, format: OutputFormat = .text
    ) throws {
        guard maxTokens >= 1 else { throw GenerationError.invalidMaxTokens(maxTokens) }
        guard !stop.contains(where: \.isEmpty) else { throw GenerationError.emptyStopString }
        self.maxTokens = maxTokens
        self.stop = stop
        self.sampling = try sampling ?? SamplingParameters()
        self.format = format
    }
}

/// The shape a generation's text must have.
public enum OutputFormat: Sendable, Hashable {
    /// Whatever the model writes.
    case text
    /// One JSON object and nothing after it (``JSONConstraint``).
    case jsonObject
}

public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case invalidMaxTokens(Int)
    case emptyStopString
    case emptyPrompt
    case promptTooLong(tokens: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalidMaxTokens(let value): return "max_tokens must be at least 1 (got \(value))"
        case .emptyStopString: return "stop strings must not be empty"
        case .emptyPrompt: return "the prompt has no tokens"
        case .promptTooLong(let tokens, let limit):
            return "the prompt has \(tokens) tokens; the context holds \(limit)"
        }
    }
}
