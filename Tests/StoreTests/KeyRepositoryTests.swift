import Foundation
import Testing
@testable import Store
import Tenancy

/// Keys: hash-only storage, last use, revocation and expiry on the next request, minting rules.
@Suite struct KeyRepositoryTests {
    @Test(arguments: StoreBackendKind.allCases) func keysAreStoredOnlyAsHashAndPrefix(_ backend: StoreBackendKind)
        async throws
    {
        let world = try await StoreWorld.make(backend)
        let dump = try await world.rawRows("SELECT * FROM api_keys").map { row in
            row.values.map { "\($0)" }.joined(separator: "|")
        }.joined(separator: "\n")
        for key in Array(world.keys.values) + [world.ownerKey] {
            #expect(!dump.contains(key))
            #expect(!dump.contains(key.dropFirst(APIKeySecret.prefixLength)))
            #expect(dump.contains(APIKeyHash(of: key).hex))
        }
    }

    /// A key's name is bounded in Unicode scalars, not Characters: `k` with 160,000 combining
    /// marks is one Character and was stored as a 320 KB name.
    @Test func aKeysNameIsBoundedInScalars() async throws {
        let world = try await StoreWorld.make(.sqlite)
        let bob = try await world.user("bob")
        let stacked = "k" + String(repeating: "\u{0301}", count: KeyRepository.maximumNameLength)
        await #expect(throws: StoreError.self) {
            try await world.store.keys.issue(
                KeyRequest(holder: bob.id, binding: .team(world.sales.reference), role: .member, name: stacked),
                Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func lastUseIsRecordedOnAuthentication(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let later = Date().addingTimeInterval(3600)
        _ = try await world.store.keys.authenticated(world.keys["bob"]!, at: later)
        let record = try #require(try await world.store.keys.key(id: world.salesMember.keyID))
        #expect(abs(try #require(record.lastUsedAt).timeIntervalSince(later)) < 0.01)
    }

    @Test(arguments: StoreBackendKind.allCases) func revokedKeyFailsOnTheVeryNextRequest(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let bob = world.keys["bob"]!
        _ = try await world.store.keys.authenticated(bob)
        let grant = try Policy.authorize(world.salesAdmin, .revokeKey, on: world.sales.resource)
        let revoked = try await world.store.keys.revoke(world.salesMember.keyID, grant)
        #expect(revoked.revokedAt != nil)
        await #expect { try await world.store.keys.authenticated(bob) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .revokedKey
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func expiredKeyFailsOnTheVeryNextRequest(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let now = Date()
        let bob = try await world.user("bob")
        let issued = try await world.store.keys.issue(
            KeyRequest(holder: bob.id, binding: .team(world.sales.reference), role: .member, expiresAt: now.addingTimeInterval(60)),
            Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource), now: now)
        _ = try await world.store.keys.authenticated(issued.secret.revealed, at: now.addingTimeInterval(59))
        await #expect { try await world.store.keys.authenticated(issued.secret.revealed, at: now.addingTimeInterval(60)) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .expiredKey
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func keyCannotBeIssuedAlreadyExpired(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let bob = try await world.user("bob")
        await #expect(throws: StoreError.invalidValue(field: "expires_at", problem: "must lie in the future")) {
            try await world.store.keys.issue(
                KeyRequest(holder: bob.id, binding: .team(world.sales.reference), role: .member, expiresAt: Date(timeIntervalSince1970: 0)),
                Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func memberCannotMintKeys(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(throws: AccessDenied(.roleNotAllowed, action: .issueKey)) {
            try Policy.authorize(world.salesMember, .issueKey, on: world.sales.resource)
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func keyCannotExceedItsHoldersRoleInTheTeam(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let vic = try await world.user("vic")
        await #expect(throws: AccessDenied(.exceedsHolderMembership, action: .issueKey)) {
            try await world.store.keys.issue(
                KeyRequest(holder: vic.id, binding: .team(world.sales.reference), role: .member),
                Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func grantForOneBindingCannotMintAnother(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let carol = try await world.user("carol")
        await #expect(throws: AccessDenied(.actionDoesNotApply, action: .issueKey)) {
            try await world.store.keys.issue(
                KeyRequest(holder: carol.id, binding: .team(world.development.reference), role: .teamAdmin),
                Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func salesAdminCannotRevokeADevelopmentKey(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let grant = try Policy.authorize(world.salesAdmin, .revokeKey, on: world.sales.resource)
        await #expect(throws: StoreError.notFound(kind: "key", address: world.developmentAdmin.keyID.rawValue)) {
            try await world.store.keys.revoke(world.developmentAdmin.keyID, grant)
        }
        _ = try await world.store.keys.authenticated(world.keys["carol"]!)
    }

    /// Removal revokes the member's keys of the team: adding them back gives a membership, not
    /// their old (perhaps leaked) keys; keys of their other teams are untouched.
    @Test(arguments: StoreBackendKind.allCases) func removingAMemberRevokesTheirKeysOfThatTeam(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.memberships.removeFromTeam(
            world.salesMember.userID, Policy.authorize(world.salesAdmin, .removeMember, on: world.sales.resource))
        await #expect { try await world.store.keys.authenticated(world.keys["bob"]!) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .revokedKey
        }
        try await world.store.memberships.setTeamRole(
            .member, for: world.salesMember.userID, Policy.authorize(world.salesAdmin, .addMember, on: world.sales.resource))
        await #expect { try await world.store.keys.authenticated(world.keys["bob"]!) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .revokedKey
        }
        _ = try await world.store.keys.authenticated(world.keys["alice"]!)
    }

    /// Whoever minted a key saw its secret: an admin's removal revokes the keys their keys
    /// minted, and those keys' keys (one recursive statement on each backend).
    @Test(arguments: StoreBackendKind.allCases) func removingAnAdminRevokesEveryKeyTheirKeysMinted(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let child = try await world.store.keys.issue(
            KeyRequest(holder: world.salesMember.userID, binding: .team(world.sales.reference), role: .member),
            Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource))
        #expect(child.record.createdBy == world.salesAdmin.keyID)
        try await world.store.memberships.removeFromTeam(
            world.salesAdmin.userID, Policy.authorize(world.acmeAdmin, .removeMember, on: world.sales.resource))
        // bob's own key was minted by alice's too.
        for secret in [world.keys["alice"]!, child.secret.revealed, world.keys["bob"]!] {
            await #expect { try await world.store.keys.authenticated(secret) } throws: {
                ($0 as? AuthenticationFailure)?.reason == .revokedKey
            }
        }
        _ = try await world.store.keys.authenticated(world.keys["carol"]!)
    }

    @Test(arguments: StoreBackendKind.allCases) func demotingAnAdminCapsTheirKeyOnTheNextRequest(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.memberships.setTeamRole(
            .viewer, for: world.salesAdmin.userID, Policy.authorize(world.acmeAdmin, .addMember, on: world.sales.resource))
        let demoted = try await world.store.keys.authenticated(world.keys["alice"]!)
        #expect(demoted.role == .viewer)
        #expect(Policy.decide(demoted, .issueKey, world.sales.resource) == .deny(.roleNotAllowed))
    }

    @Test(arguments: StoreBackendKind.allCases) func teamAdminCannotPromoteAboveItself(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let bob = try await world.user("bob")
        await #expect(throws: AccessDenied(.roleDoesNotFitBinding, action: .addMember)) {
            try await world.store.memberships.setTeamRole(
                .orgAdmin, for: bob.id, Policy.authorize(world.salesAdmin, .addMember, on: world.sales.resource))
        }
    }

    @Test(arguments: StoreBackendKind.allCases) func keyListsShowOnlyWhatTheCallerReaches(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let salesKeys = try await world.store.keys.list(visibleTo: world.salesAdmin)
        #expect(Set(salesKeys.map(\.binding)) == [.team(world.sales.reference)])
        #expect(salesKeys.count == 3)
        let acmeKeys = try await world.store.keys.list(visibleTo: world.acmeAdmin)
        #expect(Set(acmeKeys.map(\.binding.organizationID)) == [world.acme.id])
        #expect(acmeKeys.count == 5)
        #expect(try await world.store.keys.list(visibleTo: world.acmeAdmin, team: world.research.id).isEmpty)
        #expect(try await world.store.keys.list(visibleTo: world.owner).count == 8)
        #expect(try await world.store.keys.list(visibleTo: world.salesMember).isEmpty)
    }
}
