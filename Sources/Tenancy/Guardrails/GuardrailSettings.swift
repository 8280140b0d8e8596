/// A team's guardrails: what happens to personal data and secrets in its prompts, retrieved
/// chunks and answers, how prompt injections are screened, and its own patterns. Off by
/// default; validated when built, so a bad setting fails when the profile is saved.
///
/// ```swift
/// let guardrails = try GuardrailSettings(
///     pii: [.email: .redact, .iban: .block], injection: .init(input: .flag, sources: .dropChunk))
/// ```
public struct GuardrailSettings: Sendable, Hashable {
    public static let maximumPatterns = 32

    /// Screening for prompt injections, per where the text comes from.
    public struct Injection: Sendable, Hashable {
        /// The user's messages: `off`, `flag` or `block`.
        public let input: InjectionAction
        /// Retrieved chunks: `off`, `flag`, `drop_chunk` or `block`.
        public let sources: InjectionAction

        public init(input: InjectionAction = .off, sources: InjectionAction = .off) throws(ProfileError) {
            guard input != .dropChunk else {
                throw ProfileError(
                    field: "guardrails.injection.input", problem: "drop_chunk applies to retrieved sources only")
            }
            self.input = input
            self.sources = sources
        }

        public static let off = try! Injection()
    }

    /// The action per entity type; types not named are allowed.
    public let pii: [GuardrailEntity: GuardrailAction]
    /// Whether placeholders in the answer are replaced by the values they stand for.
    public let restore: Bool
    public let injection: Injection
    public let patterns: [GuardrailPattern]

    public init(
        pii: [GuardrailEntity: GuardrailAction] = [:], restore: Bool = false, injection: Injection = .off,
        patterns: [GuardrailPattern] = []
    ) throws(ProfileError) {
        guard patterns.count <= Self.maximumPatterns else {
            throw ProfileError(field: "guardrails.patterns", problem: "at most \(Self.maximumPatterns) patterns")
        }
        var names = Set<String>()
        for pattern in patterns where !names.insert(pattern.name).inserted {
            throw ProfileError(field: "guardrails.patterns", problem: "the name '\(pattern.name)' is used twice")
        }
        self.pii = pii
        self.restore = restore
        self.injection = injection
        self.patterns = patterns
    }

    /// Everything off.
    public static let off = try! GuardrailSettings()

    public func action(for entity: GuardrailEntity) -> GuardrailAction { pii[entity] ?? .allow }

    /// Whether any entity type or pattern is redacted or blocked (then messages, chunks and
    /// answers are scanned).
    public var screensEntities: Bool {
        pii.values.contains { $0 != .allow } || !patterns.isEmpty
    }

    /// Whether the answer passes through the guardrails at all. When false the answer takes
    /// exactly the path it takes without guardrails (no added work per token).
    public var screensAnswers: Bool { screensEntities || restore }
}

extension GuardrailSettings: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case pii
        case restore
        case injection
        case patterns
    }

    enum InjectionKeys: String, CodingKey, CaseIterable {
        case input
        case sources
    }

    /// Decodes and validates, naming the field at fault; missing fields take their defaults, an
    /// unknown one is refused (a misspelt `injection.imput` would leave the screen off).
    public init(from decoder: any Decoder) throws {
        try decoder.refuseFields(except: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var pii: [GuardrailEntity: GuardrailAction] = [:]
        for (name, value) in try container.decodeIfPresent([String: String].self, forKey: .pii) ?? [:] {
            guard let entity = GuardrailEntity(rawValue: name) else {
                let known = GuardrailEntity.allCases.map(\.rawValue).joined(separator: ", ")
                throw ProfileError(field: "guardrails.pii", problem: "'\(name)' is not an entity type (\(known))")
            }
            guard let action = GuardrailAction(rawValue: value) else {
                throw ProfileError(field: "guardrails.pii.\(name)", problem: "must be allow, redact or block")
            }
            pii[entity] = action
        }
        var injection = Injection.off
        if container.contains(.injection) {
            try container.superDecoder(forKey: .injection).refuseFields(except: InjectionKeys.self)
            let nested = try container.nestedContainer(keyedBy: InjectionKeys.self, forKey: .injection)
            func action(_ key: InjectionKeys) throws -> InjectionAction {
                guard let text = try nested.decodeIfPresent(String.self, forKey: key) else { return .off }
                guard let action = InjectionAction(rawValue: text) else {
                    throw ProfileError(
                        field: "guardrails.injection.\(key.rawValue)", problem: "must be off, flag, drop_chunk or block")
                }
                return action
            }
            injection = try Injection(input: action(.input), sources: action(.sources))
        }
        try self.init(
            pii: pii, restore: container.decodeIfPresent(Bool.self, forKey: .restore) ?? false, injection: injection,
            patterns: container.decodeIfPresent([GuardrailPattern].self, forKey: .patterns) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(
            Dictionary(uniqueKeysWithValues: pii.map { ($0.key.rawValue, $0.value.rawValue) }), forKey: .pii)
        try container.encode(restore, forKey: .restore)
        var nested = container.nestedContainer(keyedBy: InjectionKeys.self, forKey: .injection)
        try nested.encode(injection.input.rawValue, forKey: .input)
        try nested.encode(injection.sources.rawValue, forKey: .sources)
        try container.encode(patterns, forKey: .patterns)
    }
}
