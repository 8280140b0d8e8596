import AtriumTestSupport
import Foundation
import Store
import Testing

/// `atrium serve` on a home it cannot write — a full disk, a read-only file system — stops at
/// once, naming the database and the cause in words, not with a bare SQLite error.
///
/// The disk is a real one: a tiny tmpfs (or a read-only bind mount) in a mount namespace of the
/// server's own (`unshare --map-root-user --mount`), so no privilege is needed beyond user
/// namespaces; where the host allows none, the cases are skipped, saying so.
@Suite struct UnwritableHomeEndToEndTests {
    static let namespaces: Bool = {
        (try? ProgramRun.runBlocking(["unshare", "--map-root-user", "--mount", "true"]).status) == 0
    }()

    static func temporaryHome() throws -> URL {
        let home = FileManager.default.temporaryDirectory
            .appendingPathComponent("atrium-unwritable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return home
    }

    /// Runs `setup` (shell, `$H` the home) then `atrium serve` in a mount namespace of its own
    /// (bounded: a server that did start would serve for ever).
    static func serve(home: URL, after setup: String) async throws -> ProgramRun {
        let script = "set -e; H=\"$ATRIUM_HOME\"; \(setup); "
            + "exec timeout 60 \"$ATRIUM\" serve --port 0 --upstream http://127.0.0.1:9 --model mock"
        return try await ProgramRun.run(
            ["unshare", "--map-root-user", "--mount", "sh", "-c", script],
            environment: ["ATRIUM_HOME": home.path, "ATRIUM": ServerProcess.binary.path])
    }

    @Test(.enabled(if: namespaces, "needs unshare --map-root-user --mount (user namespaces)"))
    func serveOnAFullDiskNamesTheDatabaseAndTheCause() async throws {
        let home = try Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        // 256 KiB, filled to the last block before the server starts.
        let run = try await Self.serve(
            home: home,
            after: "mount -t tmpfs -o size=256k tmpfs \"$H\"; "
                + "dd if=/dev/zero of=\"$H/filler\" bs=4096 2>/dev/null || true")
        let database = home.appendingPathComponent(AtriumStore.fileName).path
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("\(database): the disk is full"), "\(run.output)")
        #expect(!run.output.contains("SQLite error"), "\(run.output)")
    }

    @Test(.enabled(if: namespaces, "needs unshare --map-root-user --mount (user namespaces)"))
    func serveOnAReadOnlyHomeNamesTheDatabaseAndTheCause() async throws {
        let home = try Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        // A home that served before (its database and lock file there), now mounted read-only.
        _ = try AtriumStore(home: home, exclusive: true)
        let run = try await Self.serve(home: home, after: "mount --bind \"$H\" \"$H\"; mount -o remount,bind,ro \"$H\"")
        let database = home.appendingPathComponent(AtriumStore.fileName).path
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("cannot write \(database): the file system is read-only"), "\(run.output)")
    }
}
