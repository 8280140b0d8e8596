/// Everything two cache keys of one team must share exactly before their conversations are
/// compared by meaning: the model, the sampling parameters, the versions of the profile and
/// the knowledge, the roles of the messages in order, and the system messages word for word
/// (the profile's prompt and the sources retrieval put in it). Only the user and assistant
/// turns may differ, and only in wording (``ConversationTexts``).
///
/// There is no team in it: partitions live inside one team's ``TeamSemanticIndex``.
struct SemanticPartition: Sendable, Hashable {
    let model: String
    let sampling: GenerationSampling
    let profileVersion: Int
    let knowledgeVersion: Int
    let roles: [ChatRole]
    let systemMessages: [String]

    init(_ key: ResponseCacheKey) {
        model = key.model
        sampling = key.sampling
        profileVersion = key.profileVersion
        knowledgeVersion = key.knowledgeVersion
        roles = key.messages.map(\.role)
        systemMessages = key.messages.filter { $0.role == .system }.map(\.content)
    }
}
