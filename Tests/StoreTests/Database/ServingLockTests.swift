import Foundation
import Testing
@testable import Store

/// One process serves a SQLite store: a second exclusive open is refused while the first
/// holds the lock, the read-only and maintenance opens run beside it, and the lock is free
/// again once its holder is gone.
@Suite struct ServingLockTests {
    static func temporaryHome() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("atrium-lock-\(UUID().uuidString)")
    }

    @Test func aSecondServerOnOneSQLiteStoreIsRefusedWhileTheFirstHoldsIt() async throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let database = home.appendingPathComponent(AtriumStore.fileName).path
        var first: AtriumStore? = try AtriumStore(home: home, exclusive: true)
        _ = try await first?.bootstrapOwnerIfEmpty(presetKey: nil)

        // A separate open of the lock file conflicts even inside one process (flock locks
        // belong to the open file, not the process): as a second `atrium serve` would.
        #expect(throws: StoreInUse(database: database, lockFile: database + ".lock")) {
            _ = try AtriumStore(home: home, exclusive: true)
        }
        // The commands that never serve open it beside the server, and read and write.
        let beside = try AtriumStore(home: home)
        #expect(try await beside.audit.verify().firstBreak == nil)
        #expect(try await beside.bootstrapOwnerIfEmpty(presetKey: nil) == nil, "the owner the server made")

        first = nil  // the server gone: the kernel released its lock with the file
        _ = first
        let next = try AtriumStore(home: home, exclusive: true)
        #expect(try await next.bootstrapOwnerIfEmpty(presetKey: nil) == nil)
    }

    @Test func aLockFileThatCannotBeMadeNamesTheDatabaseAndTheCause() throws {
        // A lock file where a folder stands cannot be opened for writing (EISDIR) — the path
        // every cause takes; as root, a read-only folder would not refuse.
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let database = home.appendingPathComponent(AtriumStore.fileName).path
        try FileManager.default.createDirectory(atPath: database + ".lock", withIntermediateDirectories: true)
        #expect(
            throws: StoreError.unavailable(
                "cannot write \(database): \(ServingLock.cause(of: EISDIR)) (its lock file \(database).lock)")
        ) {
            _ = try AtriumStore(home: home, exclusive: true)
        }
        #expect(ServingLock.cause(of: ENOSPC) == "the disk is full")
        #expect(ServingLock.cause(of: EROFS) == "the file system is read-only")
    }
}
