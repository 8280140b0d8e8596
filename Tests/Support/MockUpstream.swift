import Foundation
import Retrieval

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shared mock OpenAI-compatible upstream (`../shared/tools/gateway/mock_upstream.c`),
/// compiled once with `cc` and run on a free loopback port for the life of the value.
///
/// It answers `POST /v1/chat/completions` with "Hello from the mock upstream." (usage 9 + 6),
/// streamed as five chunks when asked, and `GET /v1/models` with the single model `mock`.
public final class MockUpstream: @unchecked Sendable {
    public let port: Int
    /// Not `Foundation.Process`: see ``ChildProcess``.
    private let process: ChildProcess

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        let binary = try Self.binary.get()
        port = try LoopbackPort.free()
        process = try ChildProcess(executable: binary.path, arguments: ["-p", String(port)])
        try LoopbackPort.waitUntilListening(port)
    }

    deinit {
        process.send(SIGKILL)
        process.waitUntilExit()
    }

    /// `../shared/tools/gateway` beside the repository, or `$ATRIUM_SHARED/tools/gateway`.
    public static let toolsFolder: URL = {
        if let shared = ProcessInfo.processInfo.environment["ATRIUM_SHARED"] {
            return URL(fileURLWithPath: shared).appendingPathComponent("tools/gateway")
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/gateway")
    }()

    /// The repository root (this file is Tests/Support/MockUpstream.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let binary: Result<URL, any Error> = Result {
        let source = toolsFolder.appendingPathComponent("mock_upstream.c")
        guard FileManager.default.fileExists(atPath: source.path) else { throw MockUpstreamError.missingSource(source.path) }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-mock-upstream-\(getpid())")
        let compiler = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["cc", "-O2", "-o", output.path, source.path], standardError: 2)
        guard compiler.waitUntilExit() == 0 else { throw MockUpstreamError.compileFailed(source.path) }
        return output
    }
}

public enum MockUpstreamError: Error, CustomStringConvertible {
    case missingSource(String)
    case compileFailed(String)

    public var description: String {
        switch self {
        case let .missingSource(path): "the mock upstream source is missing at \(path) (set ATRIUM_SHARED)"
        case let .compileFailed(path): "cc could not compile \(path)"
        }
    }
}
