import Foundation
import Retrieval
import Tenancy

/// `POST /v1/embeddings`: the served embedding model, for any key of a team whose role may
/// embed (every team role) and whose profile allows the model.
public struct EmbeddingService: Sendable {
    /// Inputs per request at most (OpenAI's own limit).
    public static let maximumInputs = 2048

    let knowledge: KnowledgeService
    let catalog: ModelCatalog
    let profiles: ProfileStage

    /// The vectors of `inputs`, in order, with the tokens the model read (special tokens
    /// included, long inputs counted up to where the model cuts them).
    /// - Throws: ``GatewayError`` (400 for empty or too many inputs, 404/403 for the model).
    public func embed(_ inputs: [String], model requested: String?, scope: TenantScope, audit: RequestAudit) async throws
        -> EmbeddingResult
    {
        audit.describe(action: .embed, resource: Resource.team(scope.team).description + "/embeddings")
        let base = try knowledge.knowledge()
        guard !inputs.isEmpty, inputs.count <= Self.maximumInputs else {
            throw GatewayError.invalid("'input' must hold 1 to \(Self.maximumInputs) strings", param: "input")
        }
        if let empty = inputs.firstIndex(where: \.isEmpty) {
            throw GatewayError.invalid("'input[\(empty)]' is empty", param: "input")
        }
        let model = try await resolveModel(requested, scope: scope)
        // The most the inputs can cost, held against the team's limits before the model runs.
        try await LimitStage.reserve(atMost: inputs.reduce(0) { $0 + base.embeddings.mostTokens($1) })
        // In the team's own queue: a team's 2048 inputs delay another team's query by one pass.
        let embedded = try await base.embeddings.embed(inputs, for: scope, lane: .interactive)
        audit.served(Usage(promptTokens: embedded.tokens, completionTokens: 0))
        return EmbeddingResult(model: model, vectors: embedded.vectors, promptTokens: embedded.tokens)
    }

    private func resolveModel(_ requested: String?, scope: TenantScope) async throws -> String {
        guard let model = catalog.resolveEmbedding(requested) else {
            throw GatewayError(
                .notFound, "The embedding model '\(requested ?? "")' does not exist", code: "model_not_found", param: "model")
        }
        let profile = try await profiles.context(for: scope).profile
        guard profile.allows(model: model) else {
            throw GatewayError(
                .forbidden, "Your team may not use the model '\(model)'", code: "model_not_allowed", param: "model")
        }
        return model
    }
}

/// The answer of ``EmbeddingService/embed(_:model:scope:audit:)``.
public struct EmbeddingResult: Sendable {
    public let model: String
    public let vectors: [[Float]]
    /// WordPiece tokens the model read (special tokens included, each input up to the
    /// model's cut): what the team's token limits are charged.
    public let promptTokens: Int
}
