import Foundation
import Logging
import Retrieval
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `atrium serve --engine llama-server|vllm`: the inference engine as a child process of the
/// server — started with the model, loopback port and slot count Atrium chooses, awaited until
/// its health check passes, restarted with exponential backoff whenever it exits, and stopped
/// (SIGTERM, then SIGKILL after a grace period) when the server stops.
///
/// While it restarts, the pool in front of it has no healthy upstream and requests are
/// answered 503 with `Retry-After` (streams cut mid-answer end with an error event): nothing
/// hangs.
///
/// ```swift
/// let engine = ManagedEngine(configuration: .init(kind: .llamaServer, model: "/models/m.gguf", port: 8181, slots: 16))
/// try await engine.start()      // returns once GET /health answers 200
/// defer { await engine.stop() }
/// ```
public final class ManagedEngine: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case llamaServer = "llama-server"
        case vllm
    }

    public struct Configuration: Sendable {
        public var kind: Kind
        /// The executable: a path, or a name looked up on `PATH` (default: the kind's own name).
        public var command: String
        /// A GGUF path (llama-server) or a model id or folder (vLLM).
        public var model: String
        /// The id requests name the model by (vLLM's `--served-model-name`).
        public var servedName: String
        public var port: Int
        /// Sequences the engine runs in parallel: its slots, the gateway's in-flight budget.
        public var slots: Int
        /// Appended to the engine's command line as they are.
        public var extraArguments: [String]
        /// Longest wait for the engine's health check after a start (loading a model takes time).
        public var startTimeout: Duration
        /// First wait before a restart; doubles after each exit shortly after a start, up to `maximumBackoff`.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration

        public init(
            kind: Kind, command: String? = nil, model: String, servedName: String? = nil, port: Int, slots: Int,
            extraArguments: [String] = [], startTimeout: Duration = .seconds(600), initialBackoff: Duration = .seconds(1),
            maximumBackoff: Duration = .seconds(30)
        ) {
            self.kind = kind
            self.command = command ?? kind.rawValue
            self.model = model
            self.servedName = servedName ?? Self.defaultName(of: model, kind: kind)
            self.port = port
            self.slots = slots
            self.extraArguments = extraArguments
            self.startTimeout = startTimeout
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }

        /// A GGUF file's name without `.gguf`; a vLLM model id as given.
        static func defaultName(of model: String, kind: Kind) -> String {
            switch kind {
            case .llamaServer: URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
            case .vllm: model
            }
        }

        /// The engine's command line after the executable.
        var arguments: [String] {
            switch kind {
            case .llamaServer:
                // -ngl 999: every layer on the GPU when llama.cpp was built with one (ignored otherwise).
                ["-m", model, "--host", "127.0.0.1", "--port", String(port), "--parallel", String(slots),
                 "-ngl", "999", "--alias", servedName] + extraArguments
            case .vllm:
                ["serve", model, "--host", "127.0.0.1", "--port", String(port), "--max-num-seqs", String(slots),
                 "--served-model-name", servedName] + extraArguments
            }
        }
    }

    public let configuration: Configuration
    public var baseURL: String { "http://127.0.0.1:\(configuration.port)" }
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var process: ChildProcess?
        var supervisor: Task<Void, Never>?
        var stopping = false
        var starts = 0
    }

    public init(configuration: Configuration, logger: Logger = Logger(label: "atrium.engine")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Times the engine was started (1 after ``start()``, more after restarts).
    public var starts: Int { state.withLock { $0.starts } }

    /// The running child's process id.
    public var processIdentifier: Int32? { state.withLock { $0.process?.processIdentifier } }

    /// Starts the engine and waits until it is healthy; then keeps it running until ``stop()``.
    /// - Throws: ``ManagedEngineError`` when it cannot be started or never became healthy.
    public func start() async throws {
        let process = try launch()
        guard try await waitUntilHealthy(process) else {
            await stop()
            if let status = process.terminationStatus {
                throw ManagedEngineError.exited(configuration.command, status: status)
            }
            throw ManagedEngineError.notHealthy(configuration.command, within: configuration.startTimeout)
        }
        logger.info("engine ready", metadata: engineMetadata(process))
        let supervisor = Task { [weak self] in
            guard let self else { return }
            await self.supervise(process)
        }
        state.withLock { $0.supervisor = supervisor }
    }

    /// Stops the engine: SIGTERM, then SIGKILL if it is still running after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        let (process, supervisor) = state.withLock { state in
            state.stopping = true
            return (state.process, state.supervisor)
        }
        supervisor?.cancel()
        guard let process, process.isRunning else { return }
        process.send(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.send(SIGKILL) }
        process.waitUntilExit()
        logger.info("engine stopped", metadata: ["engine": "\(configuration.kind.rawValue)"])
    }

    /// Restarts the engine whenever it exits, waiting longer after each exit that came soon
    /// after its start (a crash loop), and starting over once it ran a while.
    private func supervise(_ first: ChildProcess) async {
        var process = first
        var backoff = configuration.initialBackoff
        while !Task.isCancelled {
            let started = ContinuousClock.now
            while process.isRunning, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
            guard !Task.isCancelled, !state.withLock({ $0.stopping }) else { return }
            if ContinuousClock.now - started > configuration.maximumBackoff * 2 { backoff = configuration.initialBackoff }
            logger.error("engine exited; restarting", metadata: [
                "engine": "\(configuration.kind.rawValue)", "status": "\(process.terminationStatus ?? -1)",
                "restart.in": "\(backoff)",
            ])
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, configuration.maximumBackoff)
            guard !Task.isCancelled, !state.withLock({ $0.stopping }) else { return }
            do {
                process = try launch()
                if try await waitUntilHealthy(process) {
                    logger.notice("engine restarted", metadata: engineMetadata(process))
                }
            } catch {
                logger.error("engine could not be restarted", metadata: ["error": "\(error)"])
            }
        }
    }

    private func launch() throws -> ChildProcess {
        let command = configuration.command
        let executable: String, arguments: [String]
        if command.contains("/") {
            (executable, arguments) = (command, configuration.arguments)
        } else {
            guard Self.isOnPath(command) else { throw ManagedEngineError.notFound(command) }
            (executable, arguments) = ("/usr/bin/env", [command] + configuration.arguments)
        }
        // The engine's own log goes to the server's stderr, as an operator expects. It gets the
        // machine's settings (PATH, CUDA_VISIBLE_DEVICES, HF_HOME, …) but none of Atrium's own:
        // the admin key and the database URL stay out.
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ATRIUM_") }
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                     standardOutput: STDERR_FILENO, standardError: STDERR_FILENO)
        } catch {
            throw ManagedEngineError.notFound(command)
        }
        state.withLock {
            $0.process = child
            $0.starts += 1
        }
        return child
    }

    /// Polls `GET /health` until it answers 200; false when the process exits first or the
    /// start timeout passes.
    private func waitUntilHealthy(_ process: ChildProcess) async throws -> Bool {
        let deadline = ContinuousClock.now + configuration.startTimeout
        while ContinuousClock.now < deadline, process.isRunning {
            if Self.answersHealth(port: configuration.port) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private func engineMetadata(_ process: ChildProcess) -> Logger.Metadata {
        [
            "engine": "\(configuration.kind.rawValue)", "pid": "\(process.processIdentifier)",
            "port": "\(configuration.port)", "slots": "\(configuration.slots)", "model": "\(configuration.servedName)",
        ]
    }

    private static func isOnPath(_ command: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }

    /// Whether `GET /health` on the loopback port answers `200` (a blocking loopback exchange
    /// of a few hundred bytes, with a one-second timeout).
    static func answersHealth(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, 0) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 12 else { return false }
        return String(decoding: buffer[0..<count], as: UTF8.self).hasPrefix("HTTP/1.1 200")
            || String(decoding: buffer[0..<count], as: UTF8.self).hasPrefix("HTTP/1.0 200")
    }

    /// A loopback port nothing listens on now, for the engine.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ManagedEngineError.noPort }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw ManagedEngineError.noPort }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why the managed engine could not run, in words for the operator.
public enum ManagedEngineError: Error, CustomStringConvertible {
    case notFound(String)
    case notHealthy(String, within: Duration)
    /// It exited (or crashed) before it answered: its exit code, or the signal that ended it.
    case exited(String, status: Int32)
    case noPort

    public var description: String {
        switch self {
        case let .notFound(command):
            "the engine '\(command)' was not found or could not be started: install it or give its path with --engine-command"
        case let .notHealthy(command, timeout):
            "the engine '\(command)' did not answer GET /health within \(timeout) (see its log above)"
        case let .exited(command, status):
            "the engine '\(command)' exited (status \(status): its exit code, or the signal that ended it) before it "
                + "answered GET /health (see its log above)"
        case .noPort: "no free loopback port for the engine"
        }
    }
}
