import AtriumTestSupport
import Foundation
import Testing
@testable import Store

/// `atrium migrate` and `atrium serve --database postgres://…` as an operator runs them: the
/// real binary against the test PostgreSQL server.
@Suite struct DatabaseCommandTests {
    static func atrium(_ arguments: [String]) async throws -> ProgramRun {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-db-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        return try await ProgramRun.run([ServerProcess.binary.path] + arguments, environment: ["ATRIUM_HOME": home.path])
    }

    /// A new, empty database on the test server, dropped when `body` ends; its URL.
    static func withEmptyDatabase(_ body: (String) async throws -> Void) async throws {
        guard let url = ProcessInfo.processInfo.environment["ATRIUM_TEST_POSTGRES_URL"], !url.isEmpty,
            let server = try PostgresLocation(url: url)
        else {
            let reason = "PostgreSQL case skipped: ATRIUM_TEST_POSTGRES_URL is not set (scripts/run-tests sets it)"
            FileHandle.standardError.write(Data("warning: \(reason)\n".utf8))
            try Test.cancel(Comment(rawValue: reason))
        }
        let name = "atrium_cli_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try await PostgresBackend.runOutsideTransaction("CREATE DATABASE \(name)", at: server)
        do {
            try await body(server.with(database: name).description)
        } catch {
            _ = try? await PostgresBackend.runOutsideTransaction("DROP DATABASE \(name) WITH (FORCE)", at: server)
            throw error
        }
        try await PostgresBackend.runOutsideTransaction("DROP DATABASE \(name) WITH (FORCE)", at: server)
    }

    /// Every migration this build knows (the history grows with each ported part).
    static let migrationCount = PostgresSchema.migrations.count

    @Test func serveRefusesPendingMigrationsAndMigrateAppliesThemOnce() async throws {
        try await Self.withEmptyDatabase { url in
            let refused = try await Self.atrium(["serve", "--database", url, "--port", "0"])
            #expect(refused.status != 0)
            #expect(refused.output.contains("pending migration"), "\(refused.output)")
            #expect(refused.output.contains("atrium migrate"), "the refusal says what to run: \(refused.output)")

            let count = PostgresSchema.migrations.count
            let migrated = try await Self.atrium(["migrate", "--database", url])
            #expect(migrated.status == 0, "\(migrated.output)")
            #expect(migrated.output.contains("applied \(count) migration(s): pg1-directory"), "\(migrated.output)")
            let again = try await Self.atrium(["migrate", "--database", url])
            #expect(again.status == 0 && again.output.contains("up to date: \(count) migrations"), "\(again.output)")
        }
    }

    @Test func serveWithMigrateAppliesThePendingMigrationsItself() async throws {
        try await Self.withEmptyDatabase { url in
            let served = try await Self.atrium(["serve", "--database", url, "--migrate", "--port", "0"])
            #expect(!served.output.contains("pending migration"), "\(served.output)")
            let after = try await Self.atrium(["migrate", "--database", url])
            #expect(
                after.output.contains("up to date: \(PostgresSchema.migrations.count) migrations"),
                "--migrate applied them: \(after.output)")
        }
    }

    @Test func anUnreachableOrMalformedDatabaseIsRefusedClearlyWithoutThePassword() async throws {
        let unreachable = try await Self.atrium(["migrate", "--database", "postgres://atrium:hunter2@127.0.0.1:1/atrium"])
        #expect(unreachable.status != 0)
        #expect(unreachable.output.contains("cannot reach PostgreSQL at postgres://atrium@127.0.0.1:1/atrium"), "\(unreachable.output)")
        #expect(!unreachable.output.contains("hunter2"))
        let malformed = try await Self.atrium(["migrate", "--database", "postgres://127.0.0.1/atrium"])
        #expect(malformed.status != 0 && malformed.output.contains("names no user"), "\(malformed.output)")
        let tls = try await Self.atrium(["migrate", "--database", "postgres://a:hunter2@127.0.0.1/atrium?sslmode=verify"])
        #expect(tls.status != 0 && tls.output.contains("sslmode must be one of"), "\(tls.output)")
        #expect(!tls.output.contains("hunter2"))
    }

    /// `atrium audit verify | export | prune --database postgres://…`: the same chain checks as
    /// on the SQLite file, and a record deleted behind Atrium's back is named.
    @Test func auditCommandsWorkOnAPostgresDatabase() async throws {
        try await Self.withEmptyDatabase { url in
            let store = AtriumStore(postgres: try #require(try PostgresLocation(url: url)), poolSize: 2)
            try await store.migrate()
            for second in 0..<6 {
                try await store.audit.append(
                    AuditEntry(
                        occurredAt: Date().addingTimeInterval(-3 * 86_400 + Double(second)), identity: nil,
                        action: "chat", resource: "team", decision: .deny(.unknownKey)))
            }
            let verified = try await Self.atrium(["audit", "verify", "--database", url])
            #expect(verified.status == 0 && verified.output.contains("intact: 6 records"), "\(verified.output)")
            let exported = try await Self.atrium(["audit", "export", "--database", url])
            #expect(exported.status == 0 && exported.output.split(separator: "\n").count == 6, "\(exported.output)")
            let pruned = try await Self.atrium(["audit", "prune", "--older-than", "2", "--database", url])
            #expect(pruned.status == 0 && pruned.output.contains("pruned 6 audit records"), "\(pruned.output)")
            try await store.audit.append(AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey)))
            #expect(try await Self.atrium(["audit", "verify", "--database", url]).output.contains("intact: 2 records"))

            // Someone with the tables' owner's rights deletes the checkpoint.
            try await store.backend.write { db in
                try db.execute("ALTER TABLE audit_records DISABLE TRIGGER USER")
                try db.execute("DELETE FROM audit_records WHERE id = 7")
                try db.execute("ALTER TABLE audit_records ENABLE TRIGGER USER")
            }
            let broken = try await Self.atrium(["audit", "verify", "--database", url])
            #expect(broken.status == 1 && broken.output.contains("audit record 7 is missing"), "\(broken.output)")
        }
    }

    /// `atrium store copy --from SQLITE --to postgres://…`: the copy verifies, and a second copy
    /// into the now occupied database is refused.
    @Test func storeCopyMovesASQLiteStoreIntoAnEmptyPostgresDatabaseOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-copy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let source = try AtriumStore(home: folder)
            _ = try await source.bootstrapOwnerIfEmpty(presetKey: nil)
            for _ in 0..<3 {
                try await source.audit.append(AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey)))
            }
        }
        let path = folder.appendingPathComponent(AtriumStore.fileName).path
        try await Self.withEmptyDatabase { url in
            let copied = try await Self.atrium(["store", "copy", "--from", path, "--to", url])
            #expect(copied.status == 0 && copied.output.contains("audit_records: 3 rows"), "\(copied.output)")
            let verified = try await Self.atrium(["audit", "verify", "--database", url])
            #expect(verified.status == 0 && verified.output.contains("intact: 3 records"), "\(verified.output)")
            let again = try await Self.atrium(["store", "copy", "--from", path, "--to", url])
            #expect(again.status != 0 && again.output.contains("already has rows"), "\(again.output)")
        }
    }
}
