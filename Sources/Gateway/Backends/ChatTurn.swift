/// One message of a conversation.
public struct ChatTurn: Sendable, Hashable, Codable {
    public let role: ChatRole
    public let content: String

    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// Who said a ``ChatTurn``.
public enum ChatRole: String, Sendable, Hashable, Codable, CaseIterable {
    case system
    case user
    case assistant

    /// Parses an OpenAI message role: `system`, `developer` (OpenAI's newer name for it),
    /// `user`, `assistant`; `nil` for anything else (tool calls are not supported).
    public init?(openAIRole: String) {
        switch openAIRole {
        case "system", "developer": self = .system
        case "user": self = .user
        case "assistant": self = .assistant
        default: return nil
        }
    }
}
