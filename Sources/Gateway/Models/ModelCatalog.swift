/// The models this server answers for, and how a request's `model` maps onto them.
///
/// One chat model is served. A request may name it by its id, or say `default`; anything else
/// is unknown. A team's profile may narrow the models further (``PromptProfile/allowedModels``).
public struct ModelCatalog: Sendable, Hashable {
    /// What a request says to get the served chat model, whatever its id.
    public static let defaultAlias = "default"

    /// The served chat model's id (`smollm2-135m`, or the upstream's model).
    public let chatModel: String
    /// Who provides it, as `/v1/models` reports (`atrium`, `upstream`).
    public let ownedBy: String

    public init(chatModel: String, ownedBy: String = "atrium") {
        self.chatModel = chatModel
        self.ownedBy = ownedBy
    }

    /// Every model id a client may see.
    public var modelIDs: [String] { [chatModel] }

    /// The served id a request's `model` stands for; `nil` when no such model is served.
    /// A missing model means the default.
    public func resolve(_ requested: String?) -> String? {
        guard let requested, requested != Self.defaultAlias else { return chatModel }
        return requested == chatModel ? chatModel : nil
    }
}
