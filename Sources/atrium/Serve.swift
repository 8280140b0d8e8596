import ArgumentParser
import Foundation
import Gateway
import Logging
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

    @Option(help: "Front an OpenAI-compatible server (vLLM, llama.cpp) at this URL instead of the embedded engine. ATRIUM_UPSTREAM_KEY, if set, is sent to it as the bearer key.")
    var upstream: String?

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

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard maxUploadBytes >= 1024 else { throw ValidationError("--max-upload-bytes must be at least 1024") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let logLevel = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "atrium")
        let environment = ProcessInfo.processInfo.environment
        let home = URL(fileURLWithPath: environment["ATRIUM_HOME"] ?? "./.atrium")
        let store = try AtriumStore(home: home, queryText: auditQueryText)
        let knowledge = try EmbeddingSetup.make(
            model: embeddingModel, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, store: store,
            logger: logger)
        // The backend first: a server that cannot start must not use up the owner key's one showing.
        let backend = try await BackendSetup.make(
            model: model, upstream: upstream, upstreamKey: environment["ATRIUM_UPSTREAM_KEY"], threads: threads,
            logger: logger)
        do {
            try await announceOwner(store: store, presetKey: environment["ATRIUM_ADMIN_KEY"])
        } catch {
            await backend.shutdown()
            throw error
        }
        let writer = AccountingWriter(store: store, logger: logger)
        let gateway = Gateway(
            store: store, backend: backend.backend, catalog: backend.catalog, writer: writer, knowledge: knowledge,
            logger: logger)
        let configuration = ServerConfiguration(
            host: host, port: port, maximumBodyBytes: maxBodyBytes, maximumUploadBytes: maxUploadBytes)
        let host = host
        let application = AtriumServer.application(
            gateway: gateway, writer: writer, configuration: configuration, logger: logger,
            onServerRunning: { port in
                Self.printError("atrium listening on http://\(host):\(port) (model \(backend.catalog.chatModel))")
            })
        do {
            try await application.runService()
        } catch {
            await backend.shutdown()
            throw error
        }
        await backend.shutdown()
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
