import Inference
import Serving

/// The in-process engine as a backend: the conversation is rendered with the model's chat
/// template (message content is never parsed for special tokens) and generated on the shared
/// serving engine, batched with every other team's requests.
///
/// The rendered system turn (the template's default one when the request has none) and the
/// next turn's header are offered to the engine's per-team prefix cache, so a team's long
/// system prompt is computed once, not per request.
public struct EmbeddedBackend: LanguageModelBackend {
    public let engine: ServingEngine

    public init(engine: ServingEngine) {
        self.engine = engine
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let submission: ServingRequest
        do {
            submission = try servingRequest(for: request)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: Self.backendError(for: error)) }
        }
        let events = engine.submit(submission)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in events {
                        switch event {
                        case .text(let text):
                            continuation.yield(.delta(text))
                        case .finished(let usage, let reason):
                            continuation.yield(.finished(
                                Usage(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
                                      cachedPromptTokens: usage.cachedPromptTokens),
                                reason == .length ? .length : .stop))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: Self.backendError(for: error))
                }
            }
            // A client that goes away cancels the engine's stream, which frees its slot.
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func servingRequest(for request: GenerationRequest) throws -> ServingRequest {
        let local = engine.model
        let messages = request.messages.map { ChatMessage(role: $0.role.rawValue, content: $0.content) }
        let prompt = try local.chatPrompt(messages)
        let requested = request.sampling
        let vocabularySize = local.tokenTable.count
        if let unknown = requested.logitBias.keys.filter({ $0 >= vocabularySize }).min() {
            throw BackendError.invalidRequest(
                "logit_bias names token \(unknown); the model '\(request.model)' has \(vocabularySize) tokens",
                param: "logit_bias")
        }
        let sampling = try Inference.SamplingParameters(
            temperature: Float(requested.temperature), topP: Float(requested.topP),
            frequencyPenalty: Float(requested.frequencyPenalty), presencePenalty: Float(requested.presencePenalty),
            seed: requested.seed,
            logitBias: Dictionary(uniqueKeysWithValues: requested.logitBias.map { (TokenID($0.key), Float($0.value)) }))
        let options = try GenerationOptions(
            maxTokens: requested.maxTokens, stop: requested.stop, sampling: sampling, format: requested.format)
        return ServingRequest(tenant: request.tenant.description, weight: request.weight, prompt: prompt, options: options)
    }

    /// Engine errors in the words the gateway maps to HTTP statuses.
    static func backendError(for error: any Error) -> any Error {
        switch error {
        case let error as ServingError:
            switch error {
            case .overloaded, .shutDown: return BackendError.busy(error.description)
            case .tooLong(let reason): return BackendError.invalidRequest(reason)
            case .engineFailure, .invalidConfiguration: return BackendError.malformedResponse(error.description)
            }
        case let error as ChatTemplateError: return BackendError.invalidRequest(String(describing: error))
        case let error as SamplingError: return BackendError.invalidRequest(String(describing: error))
        case let error as GenerationError: return BackendError.invalidRequest(error.description)
        default: return error
        }
    }
}
