import AsyncHTTPClient
import AtriumTestSupport
import Foundation
import Store
import Testing

/// `atrium audit export | prune | verify` on the home of a real server (in front of the mock
/// upstream): the export checks out line by line with nothing but Python's hashlib, a prune
/// leaves a chain that verifies, and tampering after the prune is still named.
@Suite(.serialized) struct AuditCommandTests {
    static let ownerKey = "atrium-owner-key-for-audit-command-tests"

    static func atrium(_ arguments: [String], home: URL) async throws -> ProgramRun {
        try await ProgramRun.run([ServerProcess.binary.path] + arguments, environment: ["ATRIUM_HOME": home.path])
    }

    static let exportChecker = MockUpstream.repositoryRoot.appendingPathComponent("Tests/ServerTests/Scripts/verify_audit_export.py")

    /// Runs a server, sends a few requests (allowed and denied), and stops it with SIGTERM.
    static func serveSomeRequests(home: URL?, mock: MockUpstream) async throws -> URL {
        let server = try await ServerProcess(
            home: home, upstream: mock.baseURL, extraArguments: ["--model", "mock"],
            environment: ["ATRIUM_ADMIN_KEY": ownerKey])
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        _ = try await http.call("POST", "/v1/admin/orgs", key: ownerKey, json: ["name": "acme-\(UUID().uuidString.prefix(6))"])
        _ = try await http.call("GET", "/v1/admin/orgs", key: ownerKey)
        _ = try await http.call("GET", "/v1/models", key: "atr_not_a_key")
        #expect(await server.stop() == 0)
        // The first server's home outlives it: copy it aside before the value goes away.
        guard home == nil else { return server.home }
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-audit-cli-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: server.home, to: kept)
        return kept
    }

    @Test func exportPruneAndVerifyFromTheCommandLine() async throws {
        let mock = try MockUpstream()
        let home = try await Self.serveSomeRequests(home: nil, mock: mock)
        defer { try? FileManager.default.removeItem(at: home) }
        let export = home.appendingPathComponent("audit.jsonl")

        let exported = try await Self.atrium(["audit", "export", "--output", export.path], home: home)
        #expect(exported.status == 0, "\(exported.output)")
        let lines = try String(contentsOf: export, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3, "three requests, three records")
        let permissions = try FileManager.default.attributesOfItem(atPath: export.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600, "an export is readable by its owner only")
        let checked = try await ProgramRun.run(["python3", Self.exportChecker.path, export.path])
        #expect(checked.status == 0 && checked.output.trimmingCharacters(in: .whitespacesAndNewlines) == String(lines.count), "\(checked.output)")
        let stdout = try await Self.atrium(["audit", "export", "--since", "2100-01-01T00:00:00Z"], home: home)
        #expect(stdout.status == 0 && stdout.output.isEmpty, "nothing after 2100: \(stdout.output)")
        #expect(try await Self.atrium(["audit", "export", "--since", "yesterday"], home: home).status != 0)

        let pruned = try await Self.atrium(["audit", "prune", "--older-than", "0"], home: home)
        #expect(pruned.status == 0 && pruned.output.contains("pruned \(lines.count) audit records"), "\(pruned.output)")
        let verified = try await Self.atrium(["audit", "verify"], home: home)
        #expect(verified.status == 0 && verified.output.contains("intact: 1 records"), "\(verified.output)")

        // More traffic after the prune, then someone deletes a record with sqlite3.
        _ = try await Self.serveSomeRequests(home: home, mock: mock)
        #expect(try await Self.atrium(["audit", "verify"], home: home).status == 0)
        let afterPrune = try await Self.atrium(["audit", "export"], home: home)
        let firstID = try #require(
            afterPrune.output.split(separator: "\n").first.flatMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int
            })
        let victim = firstID + 2
        let tamper = try await ProgramRun.run([
            "python3", "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER audit_records_no_delete'); "
                + "c.execute('DELETE FROM audit_records WHERE id = ?', (int(sys.argv[2]),)); c.commit()",
            home.appendingPathComponent("atrium.sqlite").path, String(victim),
        ])
        #expect(tamper.status == 0, "\(tamper.output)")
        let broken = try await Self.atrium(["audit", "verify"], home: home)
        #expect(broken.status == 1 && broken.output.contains("audit record \(victim) is missing"), "\(broken.output)")
        let refused = try await Self.atrium(["audit", "prune", "--older-than", "0"], home: home)
        #expect(refused.status == 1 && refused.output.contains("nothing was pruned"), "\(refused.output)")
    }

    @Test func serveWithRetentionPrunesOldRecordsAndTheChainStillVerifies() async throws {
        let mock = try MockUpstream()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-retention-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        do {
            let store = try AtriumStore(home: home)
            _ = try await store.bootstrapOwnerIfEmpty(presetKey: Self.ownerKey)
            let threeDaysAgo = Date().addingTimeInterval(-3 * 86_400)
            for second in 0..<5 {
                try await store.audit.append(
                    AuditEntry(
                        occurredAt: threeDaysAgo.addingTimeInterval(Double(second)), identity: nil, action: "chat",
                        resource: "team", decision: .deny(.unknownKey)))
            }
        }
        let server = try await ServerProcess(
            home: home, upstream: mock.baseURL, extraArguments: ["--model", "mock", "--audit-retention-days", "1"],
            environment: ["ATRIUM_ADMIN_KEY": Self.ownerKey])
        let deadline = ContinuousClock.now + .seconds(30)
        while !server.log.contains("audit records pruned"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(server.log.contains("count=5"), "\(server.log)")
        let http = LiveClient(baseURL: server.baseURL, client: HTTPClient.shared)
        #expect(try await http.call("GET", "/v1/admin/orgs", key: Self.ownerKey).status == 200)
        #expect(await server.stop() == 0)

        let verified = try await Self.atrium(["audit", "verify"], home: home)
        #expect(verified.status == 0 && verified.output.contains("intact: 2 records"), "\(verified.output)")
        let exported = try await Self.atrium(["audit", "export"], home: home)
        let first = try #require(exported.output.split(separator: "\n").first)
        #expect(first.contains(#""action":"audit.prune""#) && first.contains(#""pruned_through_id":5"#), "\(first)")
    }
}
