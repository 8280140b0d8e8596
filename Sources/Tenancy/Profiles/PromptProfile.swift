/// A team's prompt profile: system prompt, sampling defaults, retrieval settings, the
/// models the team may use and its semantic response cache. Validated when built, so a bad profile fails when it is saved,
/// not when a request uses it.
///
/// ```swift
/// let profile = try PromptProfile(systemPrompt: "Answer from the sales handbook.", temperature: 0.2)
/// ```
public struct PromptProfile: Sendable, Hashable {
    public static let maximumSystemPromptLength = 32_768
    public static let maximumTokensLimit = 131_072

    public let systemPrompt: String
    /// 0…2.
    public let temperature: Double
    /// (0, 1].
    public let topP: Double
    /// Upper bound on generated tokens per request, > 0.
    public let maxTokens: Int
    public let retrieval: RetrievalSettings
    /// Model ids the team may ask for; empty means every served model.
    public let allowedModels: [String]
    /// Whether (and how closely) questions of the same meaning share cached answers.
    public let semanticCache: SemanticCacheSettings
    /// Personal data, secrets, prompt injections and the team's own patterns.
    public let guardrails: GuardrailSettings
    /// Increases by one with every save; 0 is the built-in default.
    public let version: Int

    public init(
        systemPrompt: String = "", temperature: Double = 0.7, topP: Double = 1.0, maxTokens: Int = 512,
        retrieval: RetrievalSettings = .disabled, allowedModels: [String] = [],
        semanticCache: SemanticCacheSettings = .disabled, guardrails: GuardrailSettings = .off, version: Int = 0
    ) throws(ProfileError) {
        guard systemPrompt.unicodeScalars.count <= Self.maximumSystemPromptLength else {  // scalars: combining marks count
            throw ProfileError(field: "system_prompt", problem: "longer than \(Self.maximumSystemPromptLength) characters")
        }
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw ProfileError(field: "temperature", problem: "must be between 0 and 2, not \(temperature)")
        }
        guard topP.isFinite, topP > 0, topP <= 1 else {
            throw ProfileError(field: "top_p", problem: "must be greater than 0 and at most 1, not \(topP)")
        }
        guard maxTokens > 0, maxTokens <= Self.maximumTokensLimit else {
            throw ProfileError(field: "max_tokens", problem: "must be 1 to \(Self.maximumTokensLimit), not \(maxTokens)")
        }
        for model in allowedModels where model.isEmpty || model.contains(where: \.isWhitespace) {
            throw ProfileError(field: "allowed_models", problem: "'\(model)' is not a model id")
        }
        guard version >= 0 else { throw ProfileError(field: "version", problem: "must not be negative") }
        self.systemPrompt = systemPrompt
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.retrieval = retrieval
        self.allowedModels = allowedModels
        self.semanticCache = semanticCache
        self.guardrails = guardrails
        self.version = version
    }

    /// What a team without a saved profile gets.
    public static let `default` = try! PromptProfile()

    /// The same profile stamped with `version` (the store numbers saves).
    public func withVersion(_ version: Int) throws(ProfileError) -> PromptProfile {
        try PromptProfile(
            systemPrompt: systemPrompt, temperature: temperature, topP: topP, maxTokens: maxTokens,
            retrieval: retrieval, allowedModels: allowedModels, semanticCache: semanticCache, guardrails: guardrails,
            version: version)
    }

    /// Whether the team may use `model` (an empty allow-list allows all).
    public func allows(model: String) -> Bool {
        allowedModels.isEmpty || allowedModels.contains(model)
    }
}

extension PromptProfile: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case systemPrompt = "system_prompt"
        case temperature
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case retrieval
        case allowedModels = "allowed_models"
        case semanticCache = "semantic_cache"
        case guardrails
        case version
    }

    /// Decodes and validates (`PUT …/profile` bodies); missing fields take their defaults, an
    /// unknown one is refused.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PromptProfile.default
        try self.init(
            systemPrompt: container.decodeIfPresent(String.self, forKey: .systemPrompt) ?? defaults.systemPrompt,
            temperature: container.decodeIfPresent(Double.self, forKey: .temperature) ?? defaults.temperature,
            topP: container.decodeIfPresent(Double.self, forKey: .topP) ?? defaults.topP,
            maxTokens: container.decodeIfPresent(Int.self, forKey: .maxTokens) ?? defaults.maxTokens,
            retrieval: container.decodeIfPresent(RetrievalSettings.self, forKey: .retrieval) ?? defaults.retrieval,
            allowedModels: container.decodeIfPresent([String].self, forKey: .allowedModels) ?? defaults.allowedModels,
            semanticCache: container.decodeIfPresent(SemanticCacheSettings.self, forKey: .semanticCache)
                ?? defaults.semanticCache,
            guardrails: container.decodeIfPresent(GuardrailSettings.self, forKey: .guardrails) ?? .off,
            version: container.decodeIfPresent(Int.self, forKey: .version) ?? 0
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(systemPrompt, forKey: .systemPrompt)
        try container.encode(temperature, forKey: .temperature)
        try container.encode(topP, forKey: .topP)
        try container.encode(maxTokens, forKey: .maxTokens)
        try container.encode(retrieval, forKey: .retrieval)
        try container.encode(allowedModels, forKey: .allowedModels)
        try container.encode(semanticCache, forKey: .semanticCache)
        try container.encode(guardrails, forKey: .guardrails)
        try container.encode(version, forKey: .version)
    }
}
