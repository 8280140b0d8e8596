import Foundation
@testable import Store
import Testing

/// What the logs say of a store failure (the accounting writer's, a 500's): enough to find
/// the cause, never a tenant's values.
@Suite struct StoreErrorDiagnosisTests {
    /// A write that breaks a unique constraint with a value of its own: the diagnosis names
    /// the database's code and the constraint, not the value — which PostgreSQL's error does
    /// carry (its detail quotes the key), so a log of the error itself would leak it.
    @Test(arguments: StoreBackendKind.allCases) func namesTheConstraintNeverTheValue(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let secret = "quokka-pricing-7731"
        try await world.store.backend.write { db in
            _ = try db.execute("CREATE TABLE probe_names (name TEXT NOT NULL)")
            _ = try db.execute("CREATE UNIQUE INDEX probe_unique_name ON probe_names (name)")
            _ = try db.execute("INSERT INTO probe_names (name) VALUES (?)", [secret])
        }
        do {
            try await world.store.backend.write { db in
                _ = try db.execute("INSERT INTO probe_names (name) VALUES (?)", [secret])
            }
            Issue.record("the duplicate was stored")
        } catch {
            let diagnosis = StoreError.diagnosis(of: error)
            #expect(!diagnosis.contains(secret), "\(diagnosis)")
            switch backend {
            case .postgres:
                #expect(diagnosis.contains("SQLSTATE 23505") && diagnosis.contains("probe_unique_name"), "\(diagnosis)")
                #expect(String(reflecting: error).contains(secret), "the error itself quotes the value")
            case .sqlite:
                #expect(diagnosis.contains("UNIQUE constraint failed: probe_names.name"), "\(diagnosis)")
            }
        }
    }

    /// A data exception's message quotes the value (`invalid input syntax for type …: "…"`):
    /// only its code and type are told.
    @Test func aPostgresDataExceptionKeepsItsValueOut() async throws {
        let world = try await StoreWorld.make(.postgres)
        do {
            try await world.store.backend.write { db in _ = try db.execute("SELECT 'quokka-7731'::integer") }
            Issue.record("the cast succeeded")
        } catch {
            let diagnosis = StoreError.diagnosis(of: error)
            #expect(diagnosis.hasPrefix("PostgreSQL SQLSTATE 22P02") && !diagnosis.contains("quokka"), "\(diagnosis)")
        }
    }

    @Test func otherErrorsAreNamedByTheirType() {
        struct EngineHiccup: Error { let prompt = "quokka" }
        #expect(StoreError.diagnosis(of: EngineHiccup()) == "EngineHiccup")
        #expect(StoreError.diagnosis(of: StoreError.unavailable("the disk is full")) == "the database is unavailable: the disk is full")
    }
}
