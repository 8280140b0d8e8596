import ArgumentParser
import Foundation
import Gateway
import Inference
import Logging
import NIOCore
import Server
import Store
import Tenancy

/// `atrium serve`: the multi-tenant server on one address, with the embedded model or in
/// front of an upstream OpenAI-compatible server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Atrium server (on an empty database, creates the platform owner and prints its key).")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The chat model: a GGUF path or name (smollm2-135m); with --upstream, the upstream's model id.")
    var model: String?

    @Option(name: .customLong("embedding-model"), help: "The embedding model for team knowledge and /v1/embeddings: a sentence-transformers folder or a name (default minilm-l6, if fetched).")
    var embeddingModel: String?

    @Option(
        name: .customLong("embedding-precision"),
        help: "Arithmetic of the embedding model's linear layers: int16 (default: faster, cosine ≥ 0.999 to float32) or float32.")
    var embeddingPrecision: EmbeddingPrecision = .standard

    @Option(
        name: .customLong("chunk-tokens"),
        help: "Embedding-model tokens per document chunk, [CLS] and [SEP] included (16 to the model's limit, 256 for minilm-l6).")
    var chunkTokens = EmbeddingSetup.defaultChunkTokens

    @Option(
        name: .customLong("chunk-overlap"),
        help: "Tokens of the previous chunk that the next one of a section repeats (0 to half of --chunk-tokens).")
    var chunkOverlap = EmbeddingSetup.defaultChunkOverlap

    @Option(help: "Engine worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413.")
    var maxBodyBytes = ServerConfiguration.defaultMaximumBodyBytes

    @Option(name: .customLong("max-upload-bytes"), help: "Largest document upload accepted; larger ones get 413.")
    var maxUploadBytes = ServerConfiguration.defaultMaximumUploadBytes

    @Option(name: .customLong("audit-query-text"), help: "How much query text the audit log keeps: full, hash or none.")
    var auditQueryText = QueryTextPolicy.full

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = Logger.Level.info

    @Option(
        name: .customLong("metrics-token"),
        help: "A bearer token that may read /metrics besides the owner key (or set ATRIUM_METRICS_TOKEN, which keeps it out of the process list).")
    var metricsToken: String?

    @Option(
        name: .customLong("shutdown-grace-seconds"),
        help: "On SIGTERM or SIGINT, how long requests in flight (streams included) may take to finish before they are cut off.")
    var shutdownGraceSeconds = 30

    @Option(
        name: .customLong("audit-retention-days"),
        help: "Delete audit records older than this many days, at start and daily (a checkpoint keeps the chain verifiable).")
    var auditRetentionDays: Int?
    @Option(name: .customLong("block-after"), help: "Block a client address after this many failed keys within --block-window.")
    var blockAfter = IntrusionPolicy.standard.failuresBeforeBlock

    @Option(name: .customLong("block-window"), help: "Seconds within which --block-after failed keys block an address.")
    var blockWindow = IntrusionPolicy.standard.windowSeconds

    @Option(name: .customLong("block-seconds"), help: "How long a blocked address is refused (429), in seconds.")
    var blockSeconds = IntrusionPolicy.standard.blockSeconds

    @Flag(
        name: .customLong("trust-forwarded-for"),
        help: "Take the client address from X-Forwarded-For (its last entry). Only behind a proxy that sets it.")
    var trustForwardedFor = false

    @Option(
        name: .customLong("max-connections"),
        help: "Connections held at once; more are closed as they arrive (default: the open-file limit less 512).")
    var maxConnections: Int?

    @Option(
        name: .customLong("max-connections-per-address"),
        help: "Connections held at once from one client address (an IPv6 client's /64); 0 for none (behind a proxy, which then holds every connection; --trust-forwarded-for sets it to 0 unless given).")
    var maxConnectionsPerAddress: Int?

    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds a connection may send nothing (no request, or a request stopped halfway) before it is closed, and an answer may wait for a client that reads none of it; a request body must arrive within it plus a second per 500 bytes. An answer being read, however slowly, is never cut.")
    var idleTimeout = 60

    @Option(name: .customLong("response-cache-ttl"), help: "Seconds a cached answer to a deterministic request (temperature 0 or a seed) is served; 0 turns the response cache off.")
    var responseCacheTTL = 300

    @Option(name: .customLong("response-cache-bytes"), help: "Memory all teams' cached answers may take (65536, 512KiB, 64MiB, 1GiB); 0 turns the response cache off.")
    var responseCacheBytes = ByteSize(bytes: 64 << 20)

    @Option(
        name: .customLong("alert-delivery-attempts"),
        help: "Attempts per alert delivery to a webhook destination, the first included, before it is given up.")
    var alertDeliveryAttempts = AlertDeliveryPolicy.standard.maximumAttempts

    @Option(
        name: .customLong("alert-retry-seconds"),
        help: "Seconds before an alert delivery that failed is retried; each later wait doubles (20: about 10 minutes over 6 attempts).")
    var alertRetrySeconds = 20.0

    @Option(
        name: .customLong("alert-delivery-timeout"),
        help: "Seconds one alert delivery attempt may take, connecting included (at most 300).")
    var alertDeliveryTimeout = 10.0

    @Flag(
        name: .customLong("alert-allow-private-destinations"),
        help: "Let organizations' alert webhooks lead to loopback, private and link-local addresses (refused by default; the owner's platform-wide ones always may).")
    var alertAllowPrivateDestinations = false

    @OptionGroup(title: "Store")
    var store: StoreOptions

    @Flag(help: "Apply pending PostgreSQL migrations at start instead of refusing to start (see `atrium migrate`).")
    var migrate = false

    @OptionGroup(title: "Embedded engine (--queue-timeout and --max-queued apply to upstreams too)")
    var serving: ServingOptions

    @OptionGroup(title: "Web console")
    var console: ConsoleOptions

    @OptionGroup(title: "Console single sign-on (OpenID Connect)")
    var singleSignOn: SingleSignOnOptions

    @OptionGroup(title: "Upstream engines")
    var upstream: UpstreamOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if let maxConnectionsPerAddress, maxConnectionsPerAddress < 0 {
            throw ValidationError("--max-connections-per-address must be 0 (no cap) or more")
        }
        guard (1...86_400).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be 1 to 86400 seconds") }
        guard maxUploadBytes >= 1024 else { throw ValidationError("--max-upload-bytes must be at least 1024") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1 to 1024") }
        guard chunkTokens >= 16 else { throw ValidationError("--chunk-tokens must be at least 16") }
        guard (0...chunkTokens / 2).contains(chunkOverlap) else {
            throw ValidationError("--chunk-overlap must be 0 to half of --chunk-tokens")
        }
        guard (0...86_400).contains(shutdownGraceSeconds) else {
            throw ValidationError("--shutdown-grace-seconds must be 0 to 86400")
        }
        if let auditRetentionDays, !(1...36_500).contains(auditRetentionDays) {
            throw ValidationError("--audit-retention-days must be 1 to 36500")
        }
        if let metricsToken, metricsToken.count < 16 { throw ValidationError("--metrics-token must be at least 16 characters") }
        _ = try intrusionPolicy()
        guard (0...2_592_000).contains(responseCacheTTL) else {
            throw ValidationError("--response-cache-ttl must be 0 to 2592000 seconds (30 days)")
        }
        _ = try alertDeliveryPolicy()
    }

    func run() async throws {
        // As many event loops as the cores this process may use: NIO counts a cgroup's cpuset
        // and quota, not the affinity mask (`taskset`, `CPUAffinity=`), and two loops on one
        // allowed core take turns on it (measured pinned: 3 % more CPU per relayed token).
        // Set before anything touches NIO's shared group; its own variable still wins.
        let cores = ThreadPool.availableCores
        if ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil, cores < System.coreCount {
            NIOSingletons.groupLoopCountSuggestion = cores
        }
        let logLevel = logLevel
        LoggingSystem.bootstrap { label in
            DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label), level: logLevel)
        }
        let logger = Logger(label: "atrium")
        let environment = ProcessInfo.processInfo.environment
        // Before anything loads: a missing or unreadable client secret stops the start at once.
        let singleSignOnConfiguration = try singleSignOn.configuration(environment: environment)
        let home = URL(fileURLWithPath: environment["ATRIUM_HOME"] ?? "./.atrium")
        // A second server on a SQLite store in use stops here, before a model loads.
        let store = try await self.store.open(
            home: home, queryText: auditQueryText, migratePending: migrate, serving: true)
        let knowledge = try EmbeddingSetup.make(
            model: embeddingModel, threads: threads ?? ThreadPool.availableCores,
            precision: embeddingPrecision, chunking: (chunkTokens, chunkOverlap), store: store, logger: logger)
        // The backend first: a server that cannot start must not use up the owner key's one showing.
        let backend = try await BackendSetup.make(
            model: model, upstreams: upstream, upstreamKey: environment["ATRIUM_UPSTREAM_KEY"], threads: threads,
            serving: try serving.configuration(), home: home, environment: environment, logger: logger)
        do {
            try await announceOwner(store: store, presetKey: environment["ATRIUM_ADMIN_KEY"])
        } catch {
            await backend.shutdown()
            throw error
        }
        let exposition = MetricsExposition()
        exposition.bootstrapMetricsSystem()
        let writer = AccountingWriter(store: store, logger: logger)
        let responseCache = ResponseCache(configuration: try ResponseCacheConfiguration(
            timeToLive: .seconds(responseCacheTTL), maximumBytes: responseCacheBytes.bytes))
        let gateway = Gateway(
            store: store, backend: backend.backend, catalog: backend.catalog, writer: writer, knowledge: knowledge,
            intrusionPolicy: try intrusionPolicy(), logger: logger, metrics: exposition.metrics,
            responseCache: responseCache)
        if let engine = backend.engine {
            exposition.addSampler(ServingMetrics(engine: engine, metrics: exposition.metrics).sample)
        } else {
            exposition.addSampler(UpstreamMetrics(backend: backend.backend, metrics: exposition.metrics).sample)
        }
        var configuration = ServerConfiguration(
            host: host, port: port, maximumBodyBytes: maxBodyBytes,
            metricsToken: metricsToken ?? environment["ATRIUM_METRICS_TOKEN"], trustForwardedFor: trustForwardedFor,
            maximumUploadBytes: maxUploadBytes)
        configuration.console = console.configuration
        configuration.connectionLimits = ConnectionLimits(
            total: maxConnections ?? ConnectionLimits.defaultTotal,
            perAddress: maxConnectionsPerAddress ?? (trustForwardedFor ? 0 : ConnectionLimits.defaultPerAddress))
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.console.singleSignOn = singleSignOnConfiguration
        if let singleSignOnConfiguration, singleSignOnConfiguration.redirectURL == nil {
            // The callback then follows each request's Host, which a proxy passing any Host lets a
            // client choose; the provider's own check of registered callbacks is what remains.
            logger.warning(
                "single sign-on without --oidc-redirect-url: the callback URL is taken from each request's Host header; set it when Atrium is reached through a proxy or by more than one name")
        }
        let host = host
        let application = AtriumServer.application(
            gateway: gateway, configuration: configuration, exposition: exposition, logger: logger,
            onServerRunning: { port in
                Self.printError("atrium listening on http://\(host):\(port) (model \(backend.catalog.chatModel))")
            })
        let retention = auditRetentionDays.map { [AuditRetentionService(audit: store.audit, days: $0, logger: logger)] } ?? []
        let alertDelivery = AlertDeliveryService(
            queue: store.alertDeliveries, policy: try alertDeliveryPolicy(), logger: Logger(label: "atrium.alerts"))
        // SIGTERM/SIGINT: stop accepting, let requests finish, stop the engine, commit every record.
        let lifecycle = ServerLifecycle(
            application: application, writer: writer, shutdownGrace: .seconds(shutdownGraceSeconds),
            afterServing: backend.shutdown, background: retention + [alertDelivery],
            cutOff: { await gateway.pipeline.answers.endAll(waitingAtMost: .seconds(2)) }, logger: logger)
        // Requests run on the event loop they arrive on (see EventLoopTaskExecutor).
        try await EventLoopTaskExecutor(group: application.eventLoopGroup).run { try await lifecycle.run() }
        logger.info("atrium stopped")
    }

    private func intrusionPolicy() throws -> IntrusionPolicy {
        do {
            return try IntrusionPolicy(failuresBeforeBlock: blockAfter, windowSeconds: blockWindow, blockSeconds: blockSeconds)
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func alertDeliveryPolicy() throws -> AlertDeliveryPolicy {
        guard (0.01...3600).contains(alertRetrySeconds) else {
            throw ValidationError("--alert-retry-seconds must be 0.01 to 3600")
        }
        guard (0.01...300).contains(alertDeliveryTimeout) else {
            throw ValidationError("--alert-delivery-timeout must be 0.01 to 300")
        }
        do {
            var policy = try AlertDeliveryPolicy(
                maximumAttempts: alertDeliveryAttempts, firstRetry: .milliseconds(Int64(alertRetrySeconds * 1000)),
                timeout: .milliseconds(Int64(alertDeliveryTimeout * 1000)))
            policy.allowsPrivateDestinations = alertAllowPrivateDestinations
            return policy
        } catch {
            throw ValidationError("alert delivery: \(error)")
        }
    }

    private func announceOwner(store: AtriumStore, presetKey: String?) async throws {
        do {
            guard let key = try await store.bootstrapOwnerIfEmpty(presetKey: presetKey) else { return }
            if presetKey != nil {
                Self.printError("created the platform owner; its key is the value of ATRIUM_ADMIN_KEY")
            } else {
                Self.printError("created the platform owner. Its key, shown only this once:\n\(key)")
            }
        } catch let error as KeyFormatError {
            throw ValidationError("ATRIUM_ADMIN_KEY: \(error)")
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension QueryTextPolicy: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}
