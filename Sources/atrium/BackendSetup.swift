import ArgumentParser
import Foundation
import Gateway
import Inference
import Logging
import Serving

/// Where `atrium serve` gets its ``LanguageModelBackend``: an ``UpstreamBackend`` with
/// `--upstream`, otherwise the embedded engine. This is the one seam the embedded engine
/// plugs into.
struct BackendSetup: Sendable {
    let backend: any LanguageModelBackend
    let catalog: ModelCatalog
    let shutdown: @Sendable () async -> Void
    /// The embedded engine, whose state `/metrics` samples; `nil` in front of an upstream.
    var engine: ServingEngine? = nil

    static func make(
        model: String?, upstream: String?, upstreamKey: String?, threads: Int?, serving: ServingConfiguration,
        logger: Logger
    ) async throws -> BackendSetup {
        guard let upstream else {
            return try embedded(model: model ?? "smollm2-135m", threads: threads, serving: serving, logger: logger)
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

    /// The in-process engine: the GGUF model loaded once and shared by every team through the
    /// serving engine.
    private static func embedded(model: String, threads: Int?, serving: ServingConfiguration, logger: Logger) throws
        -> BackendSetup
    {
        let path = try ModelLocator().ggufPath(for: model)
        if let problem = KernelISA.environmentProblem { logger.warning("\(problem)") }
        let local = try LocalModel(path: path, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let engine = ServingEngine(model: local, configuration: serving)
        // A named model keeps its name; a file path is served under the file's name.
        let id = ModelLocator.namedGGUF[model] == nil
            ? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent : model
        logger.info("embedded engine ready", metadata: [
            "model": "\(id)", "threads": "\(local.network.threadCount)", "template": "\(local.template.name)",
            "sequences": "\(serving.maximumSequences)+\(serving.reservedSequences)",
            "kernels": "\(KernelISA.summary)",
        ])
        return BackendSetup(
            backend: EmbeddedBackend(engine: engine), catalog: ModelCatalog(chatModel: id, ownedBy: "atrium"),
            shutdown: { await engine.shutdown() }, engine: engine)
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
