import AtriumTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The built `atrium` binary, running `serve` on a free loopback port with a temporary
/// ATRIUM_HOME — the server exactly as an operator starts it.
final class ServerProcess: @unchecked Sendable {
    let home: URL
    let port: Int
    let ownerKey: String
    private let process: Process
    private let output: OutputBuffer
    /// Whether this process made `home` (and removes it when done).
    private let ownsHome: Bool

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The `atrium` executable beside the test bundle (the build products folder), or
    /// `$ATRIUM_BINARY`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["ATRIUM_BINARY"] { return URL(fileURLWithPath: path) }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("atrium")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("atrium")
    }

    /// `upstream` nil runs the embedded engine (pass `--model PATH` in `extraArguments`).
    /// `home` reuses an existing ATRIUM_HOME (a restart), which is then left in place.
    init(
        home existing: URL? = nil, upstream: String?, extraArguments: [String] = [], environment extra: [String: String] = [:]
    ) async throws {
        ownsHome = existing == nil
        home = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("atrium-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        process = Process()
        (process.executableURL, process.arguments) = CleanSignals.launcher(
            for: Self.binary,
            arguments: ["serve", "--host", "127.0.0.1", "--port", "0"] + (upstream.map { ["--upstream", $0] } ?? []) + extraArguments)
        var environment = ProcessInfo.processInfo.environment
        environment["ATRIUM_HOME"] = home.path
        environment.removeValue(forKey: "ATRIUM_ADMIN_KEY")
        environment.merge(extra) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let output = OutputBuffer()
        self.output = output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(String(decoding: data, as: UTF8.self)) }
        }
        try process.run()

        let deadline = ContinuousClock.now + .seconds(60)
        var port: Int?
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            port = Self.port(in: output.text)
            // Asleep, not blocked: a start takes seconds (the model loads), and a blocked thread
            // of Swift's cooperative pool (two on two cores) stalls every test beside this one.
            if port == nil { try? await Task.sleep(for: .milliseconds(20)) }
        }
        guard let port else {
            process.terminate()
            throw ServerProcessError.didNotStart(output.text)
        }
        self.port = port
        let log = output.text
        ownerKey = extra["ATRIUM_ADMIN_KEY"] ?? Self.ownerKey(in: log) ?? ""
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if ownsHome { try? FileManager.default.removeItem(at: home) }
    }

    /// Everything the server printed on stderr so far.
    var log: String { output.text }

    /// Stops the server as an operator would (SIGTERM) and waits; returns its exit status.
    @discardableResult
    func stop() async -> Int32 {
        process.terminate()
        // Asleep while the server drains (seconds), not blocking a cooperative thread.
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Kills the server at once (SIGKILL: a crash — no drain, no last commit) and reaps it.
    func killAndReap() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends `signal` (SIGTERM, SIGINT) without waiting.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits (without blocking a thread) for the process to exit; its status, or `nil` if it
    /// still runs after `timeout`.
    func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private static func port(in log: String) -> Int? {
        guard let range = log.range(of: "atrium listening on http://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    private static func ownerKey(in log: String) -> String? {
        let lines = log.split(separator: "\n").map(String.init)
        guard let index = lines.firstIndex(where: { $0.contains("shown only this once") }), index + 1 < lines.count else {
            return nil
        }
        return lines[index + 1].trimmingCharacters(in: .whitespaces)
    }
}

/// What a process printed, collected from a pipe's handler thread.
final class OutputBuffer: Sendable {
    private let storage = Mutex("")

    func append(_ text: String) { storage.withLock { $0 += text } }
    var text: String { storage.withLock { $0 } }
}

enum ServerProcessError: Error, CustomStringConvertible {
    case didNotStart(String)

    var description: String {
        switch self {
        case let .didNotStart(log): "atrium serve did not start:\n\(log)"
        }
    }
}
