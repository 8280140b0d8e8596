import Foundation
import Testing
@testable import Retrieval

/// The spawn Atrium uses instead of `Foundation.Process`: exit codes and signals as `Process`
/// reports them, standard descriptors where asked, its own environment, and no descriptor of
/// the parent's leaking into the child.
@Suite struct ChildProcessTests {
    /// Runs `script` with `/bin/sh`, its standard output into a file; the status and the output.
    func shell(_ script: String, environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-child-\(UUID().uuidString)")
        try Data().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", script], environment: environment,
                                     standardOutput: handle.fileDescriptor)
        try handle.close()
        let status = child.waitUntilExit()
        return (status, try String(contentsOf: file, encoding: .utf8))
    }

    @Test func exitCodesAndOutputComeBack() throws {
        #expect(try shell("echo hello; exit 3") == (3, "hello\n"))
        #expect(try shell("true").status == 0)
        #expect(try shell("echo $ATRIUM_CHILD_TEST", environment: ["ATRIUM_CHILD_TEST": "set here"]).output == "set here\n")
    }

    /// A program still open for writing somewhere cannot be executed ("Text file busy"): in a
    /// server that spawns from several threads, a sibling child between spawn and exec holds
    /// the descriptor a script was just written with. The spawn tries again while it is busy.
    @Test func aProgramBusyForAMomentStillStarts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("tool")
        try Data("#!/bin/sh\nexit 7\n".utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let writer = open(script.path, O_WRONLY)
        try #require(writer >= 0)
        let release = Thread { usleep(50_000); close(writer) }
        release.start()
        let child = try ChildProcess(executable: script.path, arguments: [])
        #expect(child.waitUntilExit() == 7)

        let held = open(script.path, O_WRONLY)
        defer { close(held) }
        #expect(throws: ChildProcessError.self, "busy for good: refused after its tries") {
            try ChildProcess(executable: script.path, arguments: [])
        }
    }

    @Test func aSignalEndsItAndIsReportedByNumber() throws {
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        #expect(child.isRunning)
        #expect(child.terminationStatus == nil)
        child.send(SIGTERM)
        #expect(child.waitUntilExit() == SIGTERM)
        #expect(!child.isRunning)
        child.send(SIGKILL)  // collected: no signal goes to a pid that may be reused
        #expect(child.terminationStatus == SIGTERM)
    }

    /// A descriptor the parent opened without close-on-exec does not reach the child (the
    /// child lists its own descriptors: 0, 1, 2 and the one `ls` reads the listing with).
    @Test func theChildInheritsNoOtherDescriptor() throws {
        let leaked = open("/dev/null", O_RDONLY)
        try #require(leaked > 2)
        defer { close(leaked) }
        let listed = try shell("ls /proc/self/fd").output.split(separator: "\n").compactMap { Int32($0) }
        #expect(listed.contains(1))
        #expect(!listed.contains(leaked), "\(listed)")
        #expect(listed.allSatisfy { $0 <= 3 }, "\(listed)")
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: ChildProcessError.self) {
            try ChildProcess(executable: "/nonexistent/atrium-tool", arguments: [])
        }
    }
}
