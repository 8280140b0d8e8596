import Foundation
import GRDB
import Testing
@testable import Store
import Tenancy

/// The schema on a fresh file and on re-open.
@Suite struct MigrationTests {
    static let allMigrations = [
        "v1-directory", "v2-keys", "v3-profiles-and-limits", "v4-audit", "v5-usage", "v6-audit-retention", "v7-key-limits-and-alerts",
        "v8-knowledge", "v9-knowledge-versions", "v10-organization-users-and-key-rotation", "v11-alert-destinations",
        "v12-audit-client-address", "v13-knowledge-title-field", "v14-team-weights", "v15-audit-flags",
        "v16-console-sessions", "v17-single-sign-on", "v18-budgets", "v19-makers-of-access",
    ]

    @Test func freshFileGetsEveryMigrationInWALModeWithForeignKeys() async throws {
        let world = try await StoreWorld.make()
        #expect(try await world.store.appliedMigrations() == Self.allMigrations)
        let (journal, foreignKeys) = try await world.store.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(journal == "wal")
        #expect(foreignKeys == true)
    }

    @Test func reopeningKeepsDataAndRunsNoMigrationTwice() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-reopen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ownerKey: String
        do {
            let store = try AtriumStore(home: directory)
            ownerKey = try #require(try await store.bootstrapOwnerIfEmpty(presetKey: nil))
        }
        let reopened = try AtriumStore(home: directory)
        #expect(try await reopened.appliedMigrations() == Self.allMigrations)
        #expect(try await reopened.bootstrapOwnerIfEmpty(presetKey: nil) == nil)
        let owner = try await reopened.keys.authenticated(ownerKey)
        #expect(owner.role == .owner)
    }

    @Test func foreignKeysRefuseAMembershipOfAMissingTeam() async throws {
        let world = try await StoreWorld.make()
        let raw = try world.rawConnection()
        #expect(throws: DatabaseError.self) {
            try raw.write { db in
                try db.execute(
                    sql: "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ('team_nope', ?, 'member', 0)",
                    arguments: [world.salesMember.userID.rawValue])
            }
        }
    }

    @Test func aTeamKeyMustNameTheTeamsOwnOrganization() async throws {
        let world = try await StoreWorld.make()
        let raw = try world.rawConnection()
        #expect(throws: DatabaseError.self) {
            try raw.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO api_keys (id, hash, prefix, user_id, role, organization_id, team_id, created_at)
                        VALUES ('key_x', ?, 'atr_x', ?, 'member', ?, ?, 0)
                        """,
                    arguments: [
                        String(repeating: "a", count: 64), world.salesMember.userID.rawValue,
                        world.globex.id.rawValue, world.sales.id.rawValue,
                    ])
            }
        }
    }
}
