/// Why a sequence stopped, in OpenAI's terms.
public enum FinishReason: String, Sendable, Codable {
    /// An end-of-generation token or a stop string.
    case stop
    /// The token limit.
    case length
}
