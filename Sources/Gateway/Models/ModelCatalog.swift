/// The models this server answers for, and how a request's `model` maps onto them.
///
/// One chat model is served by default — more with `--upstream MODEL=URL` — and at most one
/// embedding model. A request may name either by its
/// id, or say `default` for the one its route serves; anything else is unknown. A team's
/// profile may narrow the models further (``PromptProfile/allowedModels``).
public struct ModelCatalog: Sendable, Hashable {
    /// What a request says to get the served chat model, whatever its id.
    public static let defaultAlias = "default"

    /// The served chat model's id (`smollm2-135m`, or the upstream's model).
    public let chatModel: String
    /// Who provides it, as `/v1/models` reports (`atrium`, `upstream`).
    public let ownedBy: String
    /// The embedding model's id (`minilm-l6`), when the server loaded one.
    public let embeddingModel: String?
    /// Further chat models served beside the default one, each by its own upstream pool.
    public let additionalChatModels: [String]

    public init(
        chatModel: String, ownedBy: String = "atrium", embeddingModel: String? = nil, additionalChatModels: [String] = []
    ) {
        self.chatModel = chatModel
        self.ownedBy = ownedBy
        self.embeddingModel = embeddingModel
        self.additionalChatModels = additionalChatModels.filter { $0 != chatModel }
    }

    /// The same catalog serving `embeddingModel` too.
    public func serving(embeddingModel: String?) -> ModelCatalog {
        ModelCatalog(
            chatModel: chatModel, ownedBy: ownedBy, embeddingModel: embeddingModel,
            additionalChatModels: additionalChatModels)
    }

    /// Every chat model id, the default first.
    public var chatModels: [String] { [chatModel] + additionalChatModels }

    /// Every model id a client may see.
    public var modelIDs: [String] { chatModels + (embeddingModel.map { [$0] } ?? []) }

    /// The embedding model a request's `model` stands for (`default` or none: the served one).
    public func resolveEmbedding(_ requested: String?) -> String? {
        guard let embeddingModel else { return nil }
        guard let requested, requested != Self.defaultAlias else { return embeddingModel }
        return requested == embeddingModel ? embeddingModel : nil
    }

    /// The served id a request's `model` stands for; `nil` when no such model is served.
    /// A missing model means the default.
    public func resolve(_ requested: String?) -> String? {
        guard let requested, requested != Self.defaultAlias else { return chatModel }
        return chatModels.contains(requested) ? requested : nil
    }
}
