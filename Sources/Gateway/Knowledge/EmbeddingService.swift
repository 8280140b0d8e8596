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
        let embedder = base.embeddings.embedder
        // Tokenizing thousands of inputs is CPU work too: it runs on the embedding queue.
        let (vectors, promptTokens) = try await base.embeddings.run(on: .interactive) {
            (try embedder.embed(inputs), inputs.reduce(0) { $0 + min(embedder.countTokens($1), embedder.maxTokens) })
        }
        audit.served(Usage(promptTokens: promptTokens, completionTokens: 0))
        return EmbeddingResult(model: model, vectors: vectors, promptTokens: promptTokens)
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
    public let promptTokens: Int
}
