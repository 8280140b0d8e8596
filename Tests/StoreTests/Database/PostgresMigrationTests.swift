import Foundation
import Testing
@testable import Store

/// PostgreSQL's own migration history: applied explicitly, once, all or nothing.
@Suite struct PostgresMigrationTests {
    static let allMigrations = [
        "pg1-directory", "pg2-keys", "pg3-profiles-and-limits", "pg4-row-level-security", "pg5-usage",
        "pg6-audit", "pg7-alerts", "pg8-alert-destinations", "pg9-console-sessions",
        "pg10-knowledge", "pg11-knowledge-full-text",
        "pg13-single-sign-on",
        "pg14-directory-version",
        "pg16-shared-limits",
        "pg18-budgets",
        "pg20-budgets-directory-version", "pg21-makers-of-access",
    ]

    @Test func theHistoryIsAppendOnly() {
        #expect(PostgresSchema.migrations.map(\.name) == Self.allMigrations)
    }

    @Test func aFreshDatabaseHasEveryMigrationPendingUntilMigrated() async throws {
        let database = try await TestDatabase.make(.postgres, migrated: false)
        let store = database.store
        #expect(try await store.appliedMigrations() == [])
        #expect(try await store.pendingMigrations() == Self.allMigrations)
        #expect(try await store.migrate() == Self.allMigrations)
        #expect(try await store.pendingMigrations() == [])
        #expect(try await store.migrate() == [], "a second run applies nothing")
        #expect(try await store.appliedMigrations() == Self.allMigrations)
        #expect(try await store.bootstrapOwnerIfEmpty(presetKey: nil) != nil)
    }

    @Test func aDatabaseMigratedByANewerBuildIsRefused() async throws {
        let database = try await TestDatabase.make(.postgres)
        _ = try await database.store.backend.write { db in
            try db.execute("INSERT INTO atrium_migrations (position, name) VALUES (99, 'pg99-from-the-future')", [])
        }
        await #expect(throws: StoreError.self) { try await database.store.migrate() }
    }

    @Test func sqliteMigratesOnOpenAndHasNothingPending() async throws {
        let database = try await TestDatabase.make(.sqlite)
        #expect(try await database.store.pendingMigrations() == [])
        #expect(try await database.store.migrate() == [])
    }
}
