import Foundation
import Retrieval

/// A program a test runs to its end (a command-line client, `atrium audit verify`, a Python
/// checker): its exit status and what it printed.
///
/// Started as a ``ChildProcess``, not a `Foundation.Process` (see there), and
/// printing into temporary files rather than pipes: a pipe's end comes only once every holder
/// of its write end has closed it — a sibling spawned at the same moment may hold it too —
/// and a reader of two pipes must drain both at once or a chatty program blocks on the other.
///
/// ```swift
/// let verified = try await ProgramRun.run([ServerProcess.binary.path, "audit", "verify"])
/// #expect(verified.status == 0, "\(verified.output)")
/// ```
public struct ProgramRun: Sendable {
    /// The exit code, or the number of the signal that ended it.
    public let status: Int32
    /// What it printed: standard output, with standard error unless kept apart.
    public let output: String
    /// Standard error when kept apart (`separateErrors`), else empty.
    public let errors: String

    /// Runs `arguments` (the first looked up on `PATH`) to its end on a thread of its own
    /// (see ``offThePool(_:)``), with this process's environment plus `environment`.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], separateErrors: Bool = false
    ) async throws -> ProgramRun {
        try await offThePool { try runBlocking(arguments, environment: environment, separateErrors: separateErrors) }
    }

    /// ``run(_:environment:separateErrors:)`` on the calling thread, for callers that are not async.
    public static func runBlocking(
        _ arguments: [String], environment: [String: String] = [:], separateErrors: Bool = false
    ) throws -> ProgramRun {
        let output = try TemporaryOutput()
        let errors = separateErrors ? try TemporaryOutput() : nil
        let child = try ChildProcess(
            executable: "/usr/bin/env", arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            standardOutput: output.descriptor, standardError: (errors ?? output).descriptor)
        let status = child.waitUntilExit()
        return ProgramRun(status: status, output: try output.text(), errors: try errors?.text() ?? "")
    }
}

/// A temporary file a child prints into, removed with the value.
private final class TemporaryOutput {
    private let url = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-run-\(UUID().uuidString)")
    private let handle: FileHandle

    init() throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    var descriptor: Int32 { handle.fileDescriptor }

    func text() throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}
