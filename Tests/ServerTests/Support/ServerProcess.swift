import AtriumTestSupport
import Foundation
import Retrieval
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
    /// Not `Foundation.Process`: see ``ChildProcess``.
    private let process: ChildProcess
    /// Where the server's standard error goes (its log), read as it grows.
    private let logFile: URL
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
    /// `cpus` ("0", "0,1") starts it under `taskset -c`, restricted to those CPUs.
    init(
        home existing: URL? = nil, upstream: String?, extraArguments: [String] = [], environment extra: [String: String] = [:],
        cpus: String? = nil
    ) async throws {
        ownsHome = existing == nil
        home = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("atrium-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["ATRIUM_HOME"] = home.path
        environment.removeValue(forKey: "ATRIUM_ADMIN_KEY")
        environment.merge(extra) { $1 }
        // A file, not a pipe: nothing has to drain it, and it holds the whole log to the end.
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-e2e-\(UUID().uuidString).log")
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: logFile)
        defer { try? logHandle.close() }
        // Started with no blocked signals (ChildProcess), as from a shell: graceful-shutdown
        // tests send SIGTERM, which the test runner's threads block.
        let serve = ["serve", "--host", "127.0.0.1", "--port", "0"] + (upstream.map { ["--upstream", $0] } ?? [])
            + extraArguments
        // taskset execs the server: the process (and its id) is the server's.
        process = try ChildProcess(
            executable: cpus == nil ? Self.binary.path : "/usr/bin/taskset",
            arguments: cpus.map { ["-c", $0, Self.binary.path] + serve } ?? serve,
            environment: environment, standardError: logHandle.fileDescriptor)

        let deadline = ContinuousClock.now + .seconds(60)
        var port: Int?
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            port = Self.port(in: Self.text(of: logFile))
            // Asleep, not blocked: a start takes seconds (the model loads), and a blocked thread
            // of Swift's cooperative pool (two on two cores) stalls every test beside this one.
            if port == nil { try? await Task.sleep(for: .milliseconds(20)) }
        }
        guard let port else {
            process.send(SIGKILL)
            process.waitUntilExit()
            throw ServerProcessError.didNotStart(Self.text(of: logFile))
        }
        self.port = port
        ownerKey = extra["ATRIUM_ADMIN_KEY"] ?? Self.ownerKey(in: Self.text(of: logFile)) ?? ""
    }

    deinit {
        if process.isRunning {
            process.send(SIGKILL)
            process.waitUntilExit()
        }
        if ownsHome { try? FileManager.default.removeItem(at: home) }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// Everything the server printed on stderr so far.
    var log: String { Self.text(of: logFile) }

    /// The names of the server's threads now (`/proc/PID/task/*/comm`).
    var threadNames: [String] {
        let tasks = "/proc/\(process.processIdentifier)/task"
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
        return ids.compactMap { id in
            (try? String(contentsOfFile: "\(tasks)/\(id)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private static func text(of file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    /// Stops the server as an operator would (SIGTERM) and waits; returns its exit status.
    @discardableResult
    func stop() async -> Int32 {
        process.send(SIGTERM)
        // Asleep while the server drains (seconds), not blocking a cooperative thread.
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return process.waitUntilExit()
    }

    /// Kills the server at once (SIGKILL: a crash — no drain, no last commit) and reaps it.
    func killAndReap() {
        guard process.isRunning else { return }
        process.send(SIGKILL)
        process.waitUntilExit()
    }

    /// Sends `signal` (SIGTERM, SIGINT) without waiting.
    func send(_ signal: Int32) {
        process.send(signal)
    }

    /// Waits (without blocking a thread) for the process to exit; its status, or `nil` if it
    /// still runs after `timeout`.
    func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard !process.isRunning else { return nil }
        return process.waitUntilExit()
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

enum ServerProcessError: Error, CustomStringConvertible {
    case didNotStart(String)

    var description: String {
        switch self {
        case let .didNotStart(log): "atrium serve did not start:\n\(log)"
        }
    }
}
