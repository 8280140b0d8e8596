import Foundation
import Store
import Retrieval
import Tenancy

/// The compose stage: the team's profile + the client's request → the ``GenerationRequest``.
///
/// - The profile's system prompt, with `{{team}}`, `{{org}}`, `{{user}}` and `{{date}}`
///   (UTC, `YYYY-MM-DD`) filled in, goes first, followed in the same system message by the
///   retrieved sources (``SourceBlock``); the client's own messages follow unchanged.
/// - `temperature` and `top_p` default to the profile's; `max_tokens` defaults to the
///   profile's and may lower it, never raise it.
/// - The model must be served and allowed by the profile.
public struct PromptComposer: Sendable {
    public static let maximumStopSequences = 4
    /// The longest stop sequence: a stop string is a few words; four of 200 KB made one
    /// cached answer of a token cost 800 KB of the response cache.
    public static let maximumStopBytes = 1024
    /// The most `logit_bias` entries a request may give (OpenAI takes 300; engines walk them
    /// for every token).
    public static let maximumLogitBiasEntries = 300

    public let catalog: ModelCatalog

    public init(catalog: ModelCatalog) {
        self.catalog = catalog
    }

    /// - Parameter sources: retrieved chunks; they follow the system prompt in a delimited
    ///   block (``SourceBlock``) with the instruction to answer from them and cite them.
    /// - Throws: ``GatewayError`` naming the field at fault.
    public func compose(
        _ request: ChatRequest, team: TeamContext, tenant: TenantKey, date: Date = Date(), sources: [SearchHit] = []
    ) throws -> GenerationRequest {
        try validate(request)
        let model = try resolveModel(request.model, profile: team.profile)
        var messages: [ChatTurn] = []
        messages.reserveCapacity(request.messages.count + 1)
        let systemPrompt = [Self.fill(team.profile.systemPrompt, team: team, date: date), SourceBlock.render(sources)]
            .filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !systemPrompt.isEmpty { messages.append(ChatTurn(role: .system, content: systemPrompt)) }
        messages.append(contentsOf: request.messages)
        let sampling = GenerationSampling(
            temperature: request.temperature ?? team.profile.temperature,
            topP: request.topP ?? team.profile.topP,
            maxTokens: min(request.maxTokens ?? team.profile.maxTokens, team.profile.maxTokens),
            stop: request.stop, seed: request.seed, frequencyPenalty: request.frequencyPenalty ?? 0,
            presencePenalty: request.presencePenalty ?? 0, logitBias: request.logitBias, format: request.format)
        return GenerationRequest(
            tenant: tenant, model: model, messages: messages, sampling: sampling, streaming: request.streaming)
    }

    /// The served model id `requested` stands for, if the team may use it.
    public func resolveModel(_ requested: String?, profile: PromptProfile) throws -> String {
        guard let model = catalog.resolve(requested) else {
            throw GatewayError(
                .notFound, "The model '\(requested ?? "")' does not exist", code: "model_not_found", param: "model")
        }
        guard profile.allows(model: model) else {
            throw GatewayError(
                .forbidden, "Your team may not use the model '\(model)'", code: "model_not_allowed", param: "model")
        }
        return model
    }

    /// The system prompt with its variables filled in.
    static func fill(_ template: String, team: TeamContext, date: Date) -> String {
        guard template.contains("{{") else { return template }
        var filled = ""
        filled.reserveCapacity(template.utf8.count + 32)
        var rest = template[...]
        while let open = rest.firstRange(of: "{{") {
            filled += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            // Only a variable's name can stand between the braces, so its `}}` is looked for
            // right after each name, never searched for in the rest of the prompt: that made
            // every `{{` that opens no variable cost the prompt's length ("{{" × 16,383 + "}}"
            // took 4.3 s a chat).
            guard let name = variables.first(where: { afterOpen.hasPrefix($0 + "}}") }) else {
                filled += "{{"
                rest = afterOpen
                continue
            }
            filled += value(of: name, team: team, date: date)
            rest = afterOpen.dropFirst(name.count + 2)
        }
        return filled + rest
    }

    private static let variables = ["team", "org", "user", "date"]

    /// The value of one of ``variables``.
    private static func value(of variable: String, team: TeamContext, date: Date) -> String {
        switch variable {
        case "team": team.teamName
        case "org": team.organizationName
        case "user": team.userName
        default: UTCDay.day(of: date)
        }
    }

    private func validate(_ request: ChatRequest) throws {
        guard !request.messages.isEmpty else {
            throw GatewayError.invalid("'messages' must contain at least one message", param: "messages")
        }
        if let temperature = request.temperature, !(temperature.isFinite && (0...2).contains(temperature)) {
            throw GatewayError.invalid("'temperature' must be between 0 and 2", param: "temperature")
        }
        // Greater than 0 as the engines hold it (a Float): 1e-320 is 0 there.
        if let topP = request.topP, !(topP.isFinite && Float(topP) > 0 && topP <= 1) {
            throw GatewayError.invalid("'top_p' must be greater than 0 and at most 1", param: "top_p")
        }
        if let maxTokens = request.maxTokens, maxTokens < 1 {
            throw GatewayError.invalid("'max_tokens' must be at least 1", param: "max_tokens")
        }
        for (name, penalty) in [("frequency_penalty", request.frequencyPenalty), ("presence_penalty", request.presencePenalty)] {
            if let penalty, !(penalty.isFinite && (-2...2).contains(penalty)) {
                throw GatewayError.invalid("'\(name)' must be between -2 and 2", param: name)
            }
        }
        guard request.logitBias.count <= Self.maximumLogitBiasEntries else {
            throw GatewayError.invalid(
                "'logit_bias' takes at most \(Self.maximumLogitBiasEntries) tokens", param: "logit_bias")
        }
        if let (id, bias) = request.logitBias.sorted(by: { $0.key < $1.key })
            .first(where: { $0.key < 0 || !($0.value.isFinite && (-100...100).contains($0.value)) })
        {
            throw GatewayError.invalid(
                "'logit_bias' maps token ids (0 or more) to numbers between -100 and 100, not \(id): \(bias)",
                param: "logit_bias")
        }
        // A stop string would end the answer inside the object JSON mode promises.
        if request.format == .jsonObject, !request.stop.isEmpty {
            throw GatewayError.invalid(
                "'stop' cannot be used with 'response_format' 'json_object': the answer would end inside the object",
                param: "stop")
        }
        guard request.stop.count <= Self.maximumStopSequences,
            request.stop.allSatisfy({ !$0.isEmpty && $0.utf8.count <= Self.maximumStopBytes })
        else {
            throw GatewayError.invalid(
                "'stop' takes at most \(Self.maximumStopSequences) non-empty strings of at most \(Self.maximumStopBytes) bytes",
                param: "stop")
        }
    }
}
