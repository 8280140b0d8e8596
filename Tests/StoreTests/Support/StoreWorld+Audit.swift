import Foundation
import GRDB
@testable import Store

extension StoreWorld {
    /// Raw SQL on the audit tables past the append-only triggers, as someone with write access
    /// to the database could: on SQLite a second connection to the file with the triggers
    /// dropped, on PostgreSQL the tables' owner with the triggers disabled for the statements.
    func tamperWithAudit(_ sql: String) async throws {
        switch database.kind {
        case .sqlite:
            try await rawConnection().write { db in
                try db.execute(
                    sql: "DROP TRIGGER IF EXISTS audit_records_no_update; DROP TRIGGER IF EXISTS audit_records_no_delete;")
                try db.execute(sql: sql)
            }
        case .postgres:
            try await store.backend.write { db in
                try db.execute("ALTER TABLE audit_records DISABLE TRIGGER USER")
                for statement in PostgresPlaceholders.statements(of: sql) { try db.execute(statement) }
                try db.execute("ALTER TABLE audit_records ENABLE TRIGGER USER")
            }
        }
    }

    /// The stored hash of audit record `id`.
    func auditHash(of id: Int64) async throws -> String {
        let rows = try await rawRows("SELECT hash FROM audit_records WHERE id = \(id)")
        guard let row = rows.first else { throw StoreError.notFound(kind: "audit record", address: "\(id)") }
        return try row.decode(String.self, forColumn: "hash")
    }

    /// Runs `body` on a Dispatch worker (for the blocking accounting path): never on the
    /// Swift concurrency pool, which it would stall.
    func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
