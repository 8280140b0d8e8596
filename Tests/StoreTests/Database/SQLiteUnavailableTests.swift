import Foundation
import GRDB
import Testing
@testable import Store
import Tenancy

/// A SQLite store that cannot write — a full disk, a read-only file — fails as
/// ``StoreError/unavailable(_:)`` naming the file and the cause (a 503 to the client), never as
/// a bare database error (a 500); nothing is half-written, and the same call works once the
/// cause is gone.
@Suite struct SQLiteUnavailableTests {
    /// Caps the writer connection's file at `pages` (SQLite clamps to the current size): every
    /// write that needs a new page then fails with SQLITE_FULL, as on a full disk.
    static func capPages(_ store: AtriumStore, at pages: Int) async throws {
        try await store.pool.writeWithoutTransaction { db in
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    static func issueKey(_ world: StoreWorld, _ name: String) async throws -> IssuedKey {
        try await world.store.keys.issue(
            KeyRequest(
                holder: world.salesAdmin.userID, binding: .team(world.sales.reference), role: .member, name: name),
            Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
    }

    /// Runs `write` until it fails (at most `attempts` times) and returns the failure.
    static func firstFailure(attempts: Int = 2000, _ write: (Int) async throws -> Void) async -> (any Error)? {
        for attempt in 0..<attempts {
            do { try await write(attempt) } catch { return error }
        }
        return nil
    }

    @Test func aFullDiskMakesKeyIssuanceAndUploadsUnavailableAndTheyWorkOnceSpaceReturns() async throws {
        let world = try await StoreWorld.make(.sqlite)
        let sales = try world.scope(world.salesMember)
        try await world.store.knowledge.createCollection(named: "handbook", in: sales)
        try await Self.capPages(world.store, at: 1)

        let keyFailure = await Self.firstFailure { attempt in _ = try await Self.issueKey(world, "full-\(attempt)") }
        let error = try #require(keyFailure as? StoreError, "a full disk: \(String(describing: keyFailure))")
        #expect(error == .unavailable("cannot write \(world.databasePath): the disk is full"))
        // About 60 KB in 40 chunks: far more than the pages left.
        let chunks = (0..<40).map { index in
            (heading: ["Prices"], text: "Part \(index). " + String(repeating: "Quokkas keep prices. ", count: 70))
        }
        let uploadFailure = await Self.firstFailure { attempt in
            _ = try await world.store.knowledge.store(
                FullTextPostingsTests.draft("big-\(attempt).txt", chunks), in: "handbook", scope: sales)
        }
        #expect(uploadFailure as? StoreError == .unavailable("cannot write \(world.databasePath): the disk is full"))
        #expect(try await world.store.knowledge.documents(in: "handbook", scope: sales).isEmpty, "nothing half-written")

        // Space freed: the same calls succeed, and the audit chain still verifies.
        try await Self.capPages(world.store, at: 1 << 30)
        _ = try await Self.issueKey(world, "after")
        _ = try await world.store.knowledge.store(
            FullTextPostingsTests.draft("big.txt", chunks), in: "handbook", scope: sales)
        #expect(try await world.store.knowledge.documents(in: "handbook", scope: sales).map(\.name) == ["big.txt"])
        #expect(try await world.store.audit.verify().firstBreak == nil)
    }

    @Test func aReadOnlyDatabaseIsUnavailableAndReadsGoOn() async throws {
        let world = try await StoreWorld.make(.sqlite)
        // What a file or folder made read-only gives SQLite: SQLITE_READONLY on every write.
        try await world.store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = ON") }
        let failure = await Self.firstFailure(attempts: 1) { _ in _ = try await Self.issueKey(world, "read-only") }
        #expect(
            failure as? StoreError
                == .unavailable("cannot write \(world.databasePath): the file or its folder is read-only"),
            "\(String(describing: failure))")
        #expect(try await world.store.keys.list(visibleTo: world.salesAdmin).count >= 2, "reads still answer")
    }

    @Test func aDatabaseThatCannotBeOpenedNamesItsPathAndTheCause() throws {
        let missing = FileManager.default.temporaryDirectory
            .appendingPathComponent("atrium-missing-\(UUID().uuidString)/atrium.sqlite").path
        let cause = try #require(StoreError.sqliteCause(of: .SQLITE_CANTOPEN))
        #expect(throws: StoreError.unavailable("cannot open \(missing): \(cause)")) {
            _ = try AtriumStore(path: missing)
        }
    }

    /// The cause in words for every code that means "not now"; faults of Atrium's own (a
    /// constraint, a malformed statement) stay what they were.
    @Test func onlyFailuresOutsideAtriumAreUnavailable() {
        let path = "/srv/atrium/atrium.sqlite"
        let temporary: [(ResultCode, String)] = [
            (.SQLITE_FULL, "the disk is full"), (.SQLITE_IOERR_WRITE, "disk I/O error"),
            (.SQLITE_READONLY, "the file or its folder is read-only"),
            (.SQLITE_READONLY_DBMOVED, "the file or its folder is read-only"),
            (.SQLITE_BUSY, "another connection held the database locked past the busy timeout"),
            (.SQLITE_LOCKED, "a table was locked by another statement"), (.SQLITE_NOMEM, "out of memory"),
            (.SQLITE_PROTOCOL, "the WAL locking protocol failed"),
        ]
        for (code, cause) in temporary {
            let error = DatabaseError(
                resultCode: code, message: "sqlite's words", sql: "INSERT INTO api_keys VALUES (?)",
                arguments: ["TENANT-CANARY"], publicStatementArguments: true)
            let mapped = StoreError.sqlite(error, operation: "write", path: path)
            #expect(mapped == .unavailable("cannot write \(path): \(cause)"), "\(code)")
            #expect(!(mapped?.description.contains("CANARY") ?? true), "never a statement's values")
        }
        let faults: [ResultCode] = [
            .SQLITE_CONSTRAINT, .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_ERROR, .SQLITE_CORRUPT, .SQLITE_MISMATCH,
        ]
        for code in faults {
            let mapped = StoreError.sqlite(DatabaseError(resultCode: code), operation: "write", path: path)
            #expect(mapped == nil, "\(code)")
        }
    }
}
