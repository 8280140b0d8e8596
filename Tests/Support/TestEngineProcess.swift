import Foundation
import Retrieval

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `scripts/test-engine` — an OpenAI-compatible server that behaves like a GPU engine (fixed
/// slots, first come first served beyond them, tokens at a fixed rate, streaming) — on a free
/// loopback port for the life of the value. A test double of one stage: the engine.
///
/// The life of the value, not of its scope: Swift may release a value right after its last
/// use, and its deinit kills the engine — a test that needs an engine up to its end uses it
/// there (``stop()`` at the end says so), or the engine may die mid-test.
public final class TestEngineProcess: @unchecked Sendable {
    public let port: Int
    /// Not `Foundation.Process`, whose notice of an exit can be late by as long as another
    /// program lives (see ``ChildProcess``): most likely why a CI run's pool test ran out of its
    /// three minutes.
    private let process: ChildProcess

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public static let script = MockUpstream.repositoryRoot.appendingPathComponent("scripts/test-engine")

    /// - Parameter arguments: more flags (`--reject-cache-salt`, `--model NAME`).
    public init(port: Int? = nil, slots: Int = 4, tokensPerSecond: Double = 400, arguments: [String] = []) async throws {
        self.port = try port ?? LoopbackPort.free()
        process = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "python3", Self.script.path, "--port", String(self.port), "--slots", String(slots),
                "--tokens-per-second", String(tokensPerSecond),
            ] + arguments)
        let listening = self.port
        try await offThePool { try LoopbackPort.waitUntilListening(listening, timeout: .seconds(30)) }
    }

    deinit {
        stop()
    }

    /// Kills the engine at once (SIGKILL: a crash, connections reset).
    public func stop() {
        guard process.isRunning else { return }
        process.send(SIGKILL)
        process.waitUntilExit()
    }

    public var isRunning: Bool { process.isRunning }

    /// Sends SIGKILL without waiting (a crash mid-run).
    public func crash() {
        process.send(SIGKILL)
    }

    /// What the engine saw: requests served, running and waiting now, and the `cache_salt` of
    /// each request in order (nil when it carried none).
    public struct Stats: Decodable, Sendable {
        public let served: Int
        public let running: Int
        public let waiting: Int
        public let salts: [String?]
    }

    public func stats() async throws -> Stats {
        let curl = try await ProgramRun.run(["curl", "-sf", "--max-time", "10", baseURL + "/stats"], separateErrors: true)
        return try JSONDecoder().decode(Stats.self, from: Data(curl.output.utf8))
    }
}

/// Runs `body` on a thread of its own: a blocking wait (a child process starting or exiting, a
/// pipe read to its end) then holds none of the few threads of Swift's cooperative pool, which
/// every test running beside it needs (on two cores there are two).
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        // A Dispatch worker, not a fresh `Thread`: one clean-clone run crashed inside
        // `Process.run()` on such a thread (a memcpy fault), which Dispatch workers never showed.
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
