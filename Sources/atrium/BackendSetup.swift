import ArgumentParser
import Foundation
import Gateway
import Inference
import Logging
import Serving

/// Where `atrium serve` gets its ``LanguageModelBackend``: with `--upstream`, a pool of
/// ``UpstreamBackend``s per model, each behind the gateway's fair scheduler; otherwise the
/// embedded engine (which schedules fairly inside itself). This is the one seam the embedded
/// engine plugs into.
struct BackendSetup: Sendable {
    let backend: any LanguageModelBackend
    let catalog: ModelCatalog
    let shutdown: @Sendable () async -> Void
    /// The embedded engine, whose state `/metrics` samples; `nil` in front of an upstream.
    var engine: ServingEngine? = nil

    static func make(
        model: String?, upstreams options: UpstreamOptions, upstreamKey: String?, threads: Int?,
        serving: ServingConfiguration, home: URL, environment: [String: String], logger: Logger
    ) async throws -> BackendSetup {
        guard !options.upstreams.isEmpty || options.engine != nil else {
            return try embedded(model: model ?? "smollm2-135m", threads: threads, serving: serving, logger: logger)
        }
        var specs = try options.upstreams.map { text in
            do { return try UpstreamSpec(parsing: text) } catch { throw ServeError("\(error)") }
        }
        let managed = try await startEngine(options, model: model, logger: logger)
        if let managed {
            specs.insert(UpstreamSpec(model: managed.configuration.servedName, url: managed.baseURL), at: 0)
        }
        let salts = options.cacheSalt == .on || specs.contains { $0.cacheSalt == true }
            ? CacheSalt(secret: try UpstreamOptions.cacheSaltSecret(home: home, environment: environment)) : nil
        var pools: [UpstreamPool] = []
        do {
            // Pools in the order their models first appear; plain URLs form the default model's pool.
            var order: [String?] = []
            for spec in specs where !order.contains(spec.model) { order.append(spec.model) }
            for name in order {
                let members = try specs.filter { $0.model == name }.map { spec in
                    let configuration = try UpstreamConfiguration(
                        url: spec.url, apiKey: upstreamKey, readTimeout: .milliseconds(Int64(options.readTimeout * 1000)),
                        requestTimeout: .milliseconds(Int64(options.requestTimeout * 1000)),
                        maximumConnections: max(64, options.concurrency),
                        sendsCacheSalt: spec.cacheSalt ?? (options.cacheSalt == .on))
                    return UpstreamBackend(configuration: configuration, salts: salts, logger: logger)
                }
                let id: String
                if let name {
                    id = name
                } else {
                    do {
                        id = try await upstreamModel(model, backend: members[0])
                    } catch {
                        for member in members { try? await member.shutdown() }
                        throw error
                    }
                }
                let interval = Duration.milliseconds(Int64((options.healthCheckInterval * 1000).rounded()))
                pools.append(UpstreamPool(model: id, members: members, healthCheckInterval: interval, logger: logger))
            }
        } catch {
            for pool in pools { await pool.shutdown() }
            await managed?.stop()
            throw error
        }
        var routes: [String: any LanguageModelBackend] = [:]
        var admissions: [String: FairAdmission] = [:]
        for pool in pools {
            await pool.checkHealth()
            for status in pool.upstreams where !status.healthy {
                logger.warning("upstream not healthy at start", metadata: [
                    "upstream.model": "\(status.model)", "upstream.index": "\(status.index)",
                ])
            }
            pool.startHealthChecks()
            let admission = FairAdmission(configuration: try options.scheduling(
                members: pool.size, queueTimeout: serving.queueTimeout, maximumQueued: serving.maximumQueued))
            admissions[pool.model] = admission
            routes[pool.model] = ScheduledBackend(pool, admission: admission)
        }
        let fallback = pools[0].model
        logger.info("upstreams ready", metadata: [
            "models": "\(pools.map(\.model))", "concurrency.per.upstream": "\(options.concurrency)",
            "cache.salt": "\(salts != nil)",
        ])
        let running = pools
        return BackendSetup(
            backend: ModelRouter(routes: routes, fallback: routes[fallback]!, admissions: admissions),
            catalog: ModelCatalog(
                chatModel: fallback, ownedBy: "upstream", additionalChatModels: pools.dropFirst().map(\.model)),
            shutdown: {
                for pool in running { await pool.shutdown() }
                await managed?.stop()
            })
    }

    /// `--engine`: the engine started as a child process, healthy, with the gateway's
    /// in-flight budget as its slots.
    private static func startEngine(_ options: UpstreamOptions, model: String?, logger: Logger) async throws
        -> ManagedEngine?
    {
        guard let kind = options.engine else { return nil }
        guard let model else {
            throw ServeError("--engine needs --model: a GGUF path for llama-server, a model id or folder for vllm")
        }
        let port = options.enginePort == 0 ? try ManagedEngine.freePort() : options.enginePort
        let engine = ManagedEngine(
            configuration: .init(
                kind: kind, command: options.engineCommand, model: model, port: port, slots: options.concurrency,
                extraArguments: options.engineArguments),
            logger: Logger(label: "atrium.engine"))
        do {
            try await engine.start()
        } catch let error as ManagedEngineError {
            throw ServeError("\(error)")
        }
        return engine
    }

    /// The in-process engine: the GGUF model loaded once and shared by every team through the
    /// serving engine.
    private static func embedded(model: String, threads: Int?, serving: ServingConfiguration, logger: Logger) throws
        -> BackendSetup
    {
        let path = try ModelLocator().ggufPath(for: model)
        if let problem = KernelISA.environmentProblem { logger.warning("\(problem)") }
        let local = try LocalModel(path: path, threads: threads ?? ThreadPool.availableCores)
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
