import Foundation

/// Makes a home's SQLite audit log refuse every record — a trigger aborting each insert, as a
/// full or broken database would — and take them again. Done from another process (python3's
/// `sqlite3`), as anyone with the file could, so the server's own connections are untouched.
///
/// ```swift
/// try await RefusingAuditLog.refuse(home: server.home)
/// // … requests are now 503 storage_unavailable …
/// try await RefusingAuditLog.lift(home: server.home)
/// ```
public enum RefusingAuditLog {
    public static func refuse(home: URL) async throws {
        try await execute(
            "CREATE TRIGGER test_refuses_audit BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            home: home)
    }

    public static func lift(home: URL) async throws {
        try await execute("DROP TRIGGER test_refuses_audit", home: home)
    }

    private static func execute(_ statement: String, home: URL) async throws {
        let run = try await ProgramRun.run([
            "python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
            home.appendingPathComponent("atrium.sqlite").path, statement,
        ])
        guard run.status == 0 else { throw Failure(statement: statement, output: run.output) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let statement: String
        public let output: String
        public var description: String { "python3 sqlite3 could not run \(statement): \(output)" }
    }
}
