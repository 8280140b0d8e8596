/// The parts of a conversation the semantic cache compares by meaning: its last non-system
/// message (the question) and, when there are earlier non-system turns, those turns as one
/// text (the history). System messages — the profile's prompt with the retrieved sources —
/// are not embedded: they must be equal word for word (``SemanticPartition``).
///
/// Why two texts, not one: in a long conversation a single embedding is dominated by the
/// shared history, and "…what is its population?" would look like "…what is its capital?".
/// Each part must reach the threshold on its own.
struct ConversationTexts: Sendable, Hashable {
    let question: String
    /// `user: …` / `assistant: …` lines of the turns before the question; nil when there are none.
    let history: String?

    /// nil when the conversation has no non-system message (nothing to compare).
    init?(_ messages: [ChatTurn]) {
        let turns = messages.filter { $0.role != .system }
        guard let last = turns.last, !last.content.isEmpty else { return nil }
        question = last.content
        let earlier = turns.dropLast()
        history = earlier.isEmpty ? nil : earlier.map { "\($0.role.rawValue): \($0.content)" }.joined(separator: "\n")
    }

    /// The texts to embed, question first.
    var all: [String] {
        [question] + (history.map { [$0] } ?? [])
    }
}
