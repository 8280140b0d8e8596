import Foundation
import GRDB
import Testing
@testable import Store
import Tenancy

/// Users belong to organizations: keys see, add and mint for their organization's users only,
/// names are unique per organization, and existing databases migrate their users into the
/// organizations they already work in.
@Suite struct OrganizationUsersTests {
    @Test(arguments: StoreBackendKind.allCases) func ownOrganizationsUsersAreVisibleAndOtherOrganizationsUsersAreNot(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(try await world.store.users.user(address: "bob", visibleTo: world.salesAdmin)?.name == "bob")
        #expect(try await world.store.users.user(address: "rita", visibleTo: world.salesAdmin) == nil)
        let rita = try await world.user("rita")
        #expect(try await world.store.users.user(address: rita.id.rawValue, visibleTo: world.acmeAdmin) == nil)
        #expect(try await world.store.users.user(address: "rita", visibleTo: world.globexAdmin)?.id == rita.id)
        #expect(try await world.store.users.user(address: "globex/rita", visibleTo: world.owner)?.id == rita.id)
    }

    @Test(arguments: StoreBackendKind.allCases) func sameUserNameInAnotherOrganizationIsAllowedAndInTheSameIsTaken(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let grant = try Policy.authorize(world.salesAdmin, .createUser, on: .userDirectory)
        let acmeRita = try await world.store.users.create(named: "rita", in: world.acme.id, grant)
        #expect(try await world.store.users.user(address: "rita", visibleTo: world.salesAdmin)?.id == acmeRita.id)
        await #expect(throws: StoreError.nameTaken(kind: "user", name: "bob")) {
            try await world.store.users.create(named: "bob", in: world.acme.id, grant)
        }
        await #expect(throws: AccessDenied.self) {
            try await world.store.users.create(named: "spy", in: world.globex.id, grant)
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func teamAdminsCannotGiveOtherOrganizationsUsersARoleButTheOwnerBringsThemIn(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let rita = try await world.user("rita")
        await #expect(throws: StoreError.self) {
            try await world.store.memberships.setTeamRole(
                .viewer, for: rita.id, Policy.authorize(world.salesAdmin, .addMember, on: world.sales.resource))
        }
        try await world.store.memberships.setTeamRole(
            .viewer, for: rita.id, Policy.authorize(world.owner, .addMember, on: world.sales.resource))
        #expect(try await world.store.users.isMember(rita.id, of: world.acme.id))
        #expect(try await world.store.users.user(address: "rita", visibleTo: world.salesAdmin)?.id == rita.id)
    }

    @Test(arguments: StoreBackendKind.allCases) func rotatedKeysOldSecretWorksUntilTheGraceEndsThenIsRefused(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let now = Date()
        let old = world.keys["bob"]!
        let record = world.salesMember.keyID
        let grant = try Policy.authorize(world.salesAdmin, .revokeKey, on: world.sales.resource)
        let rotated = try await world.store.keys.rotate(record, graceSeconds: 60, grant, now: now)
        #expect(rotated.record.id == record && rotated.record.role == .member && rotated.record.userID == world.salesMember.userID)
        #expect(try await world.store.keys.authenticated(rotated.secret.revealed, at: now.addingTimeInterval(3600)).keyID == record)
        #expect(try await world.store.keys.authenticated(old, at: now.addingTimeInterval(59)).keyID == record)
        await #expect(throws: AuthenticationFailure.self) {
            try await world.store.keys.authenticated(old, at: now.addingTimeInterval(61))
        }
        await #expect(throws: StoreError.self) {
            try await world.store.keys.rotate(record, graceSeconds: KeyRepository.maximumGraceSeconds + 1, grant, now: now)
        }
    }

    /// A rotation hands the caller a new secret, so it is bounded like minting: a team admin's
    /// key that expires in an hour cannot rotate a key that never expires (its new secret would
    /// outlive the caller's), nor one with looser limits; one within both it can.
    @Test(arguments: StoreBackendKind.allCases) func aRotationNeverOutlivesOrOutLimitsTheCallersKey(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let now = Date()
        let alice = try await world.user("alice")
        let short = try await world.store.keys.issue(
            KeyRequest(holder: alice.id, binding: .team(world.sales.reference), role: .teamAdmin, name: "contractor",
                       expiresAt: now.addingTimeInterval(3600), limits: try KeyLimits(requestsPerMinute: 5)),
            Policy.authorize(world.acmeAdmin, .issueKey, on: world.sales.resource), now: now)
        let contractor = try await world.store.keys.authenticated(short.secret.revealed, at: now)
        let grant = try Policy.authorize(contractor, .revokeKey, on: world.sales.resource)
        await #expect(throws: AccessDenied(.exceedsCreatorKey, action: .revokeKey), "bob's key never expires") {
            try await world.store.keys.rotate(world.salesMember.keyID, graceSeconds: 0, grant, now: now)
        }
        let within = try await world.store.keys.issue(
            KeyRequest(holder: alice.id, binding: .team(world.sales.reference), role: .member, name: "batch",
                       expiresAt: now.addingTimeInterval(600), limits: try KeyLimits(requestsPerMinute: 2)),
            Policy.authorize(contractor, .issueKey, on: world.sales.resource), now: now)
        #expect(try await world.store.keys.rotate(within.record.id, graceSeconds: 0, grant, now: now).record.id == within.record.id)
        #expect(try await world.store.keys.rotate(short.record.id, graceSeconds: 0, grant, now: now).record.id == short.record.id,
                "its own key")
    }

    @Test func migrationPutsExistingUsersInTheOrganizationsTheyWorkIn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-v10-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(AtriumStore.fileName).path
        do {
            let queue = try DatabaseQueue(path: path)
            try SchemaMigrations.migrator.migrate(queue, upTo: "v9-knowledge-versions")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO organizations (id, name, created_at) VALUES ('org_a', 'acme', 0), ('org_g', 'globex', 0);
                        INSERT INTO teams (id, organization_id, name, created_at) VALUES ('team_s', 'org_a', 'sales', 0);
                        INSERT INTO users (id, name, created_at) VALUES ('usr_m', 'mia', 0), ('usr_d', 'dan', 0),
                            ('usr_k', 'kim', 0), ('usr_n', 'nobody', 0);
                        INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ('team_s', 'usr_m', 'member', 0);
                        INSERT INTO organization_admins (organization_id, user_id, created_at) VALUES ('org_g', 'usr_d', 0);
                        INSERT INTO api_keys (id, hash, prefix, user_id, role, organization_id, team_id, created_at)
                            VALUES ('key_k', '\(String(repeating: "b", count: 64))', 'atr_k', 'usr_k', 'org_admin', 'org_a', NULL, 0);
                        """)
            }
        }
        let store = try AtriumStore(home: directory)
        #expect(try await store.appliedMigrations().contains("v10-organization-users-and-key-rotation"))
        #expect(try await store.users.isMember(UserID(rawValue: "usr_m"), of: OrganizationID(rawValue: "org_a")))
        #expect(try await store.users.isMember(UserID(rawValue: "usr_d"), of: OrganizationID(rawValue: "org_g")))
        #expect(try await store.users.isMember(UserID(rawValue: "usr_k"), of: OrganizationID(rawValue: "org_a")))
        #expect(try await !store.users.isMember(UserID(rawValue: "usr_m"), of: OrganizationID(rawValue: "org_g")))
        #expect(try await !store.users.isMember(UserID(rawValue: "usr_n"), of: OrganizationID(rawValue: "org_a")))
        let (violations, members) = try await store.pool.read { db in
            (try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM team_members JOIN users ON users.id = team_members.user_id"))
        }
        #expect(violations == 0 && members == 1, "the rebuilt users table keeps every reference")
    }
}
