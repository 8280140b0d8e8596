import ArgumentParser
import Gateway
import Logging

/// Where `atrium serve` gets its ``LanguageModelBackend``: an ``UpstreamBackend`` with
/// `--upstream`, otherwise the embedded engine. This is the one seam the embedded engine
/// plugs into.
struct BackendSetup: Sendable {
    let backend: any LanguageModelBackend
    let catalog: ModelCatalog
    let shutdown: @Sendable () async -> Void

    static func make(model: String?, upstream: String?, upstreamKey: String?, threads: Int?, logger: Logger) async throws
        -> BackendSetup
    {
        guard let upstream else {
            throw ServeError(
                "the embedded engine is not wired into `atrium serve` yet: run with --upstream URL "
                    + "(an OpenAI-compatible server such as vLLM or a llama.cpp server)")
        }
        let configuration = try UpstreamConfiguration(url: upstream, apiKey: upstreamKey)
        let backend = UpstreamBackend(configuration: configuration, logger: logger)
        do {
            let modelID = try await upstreamModel(model, backend: backend)
            return BackendSetup(
                backend: backend, catalog: ModelCatalog(chatModel: modelID, ownedBy: "upstream"),
                shutdown: { try? await backend.shutdown() })
        } catch {
            try? await backend.shutdown()
            throw error
        }
    }

    /// The model to ask the upstream for: `--model`, or the first the upstream lists.
    private static func upstreamModel(_ requested: String?, backend: UpstreamBackend) async throws -> String {
        if let requested { return requested }
        do {
            guard let first = try await backend.listModels().first else {
                throw ServeError("the upstream lists no models: name one with --model")
            }
            return first
        } catch let error as BackendError {
            throw ServeError("could not ask the upstream for its models (\(error)); name one with --model")
        }
    }
}

/// Why `atrium serve` cannot start, in words for the operator (exit code 1, no usage text).
struct ServeError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
