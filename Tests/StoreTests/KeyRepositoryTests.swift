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

    /// A team admin who rotates a colleague's key gets its new secret, as one who mints a key
    /// sees it: losing access revokes what their keys rotated, as it revokes what they minted —
    /// and the secret of a rotation with a grace period while the next one's grace lasts.
    @Test(arguments: StoreBackendKind.allCases) func aRotatorsRemovalRevokesTheKeysItRotated(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let tom = try await world.secondSalesAdmin("tom")
        let rotateGrant = try Policy.authorize(tom, .revokeKey, on: world.sales.resource)
        // A sales admin key the org admin minted, rotated by tom (grace 0): tom holds it now —
        // and has it rotate itself, which must not clear who made its secret.
        let tina = try await world.secondSalesAdmin("tina")
        let firstTaken = try await world.store.keys.rotate(tina.keyID, graceSeconds: 0, rotateGrant)
        let asTina = try await world.store.keys.authenticated(firstTaken.secret.revealed)
        let taken = try await world.store.keys.rotate(
            tina.keyID, graceSeconds: 0, Policy.authorize(asTina, .revokeKey, on: world.sales.resource))
        // Another, rotated by tom with a grace period, then by the org admin with one: tom's
        // secret still works (data plane) while the second grace lasts.
        let uma = try await world.secondSalesAdmin("uma")
        _ = try await world.store.keys.rotate(uma.keyID, graceSeconds: 600, rotateGrant)
        _ = try await world.store.keys.rotate(
            uma.keyID, graceSeconds: 600, Policy.authorize(world.acmeAdmin, .revokeKey, on: world.sales.resource))
        // And one rotated by tom, then by the org admin without a grace period: tom's secret is
        // gone, and the key stays.
        let val = try await world.secondSalesAdmin("val")
        _ = try await world.store.keys.rotate(val.keyID, graceSeconds: 0, rotateGrant)
        let valNow = try await world.store.keys.rotate(
            val.keyID, graceSeconds: 0, Policy.authorize(world.acmeAdmin, .revokeKey, on: world.sales.resource))

        try await world.store.memberships.removeFromTeam(
            tom.userID, Policy.authorize(world.acmeAdmin, .removeMember, on: world.sales.resource))
        await #expect { try await world.store.keys.authenticated(taken.secret.revealed) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .revokedKey
        }
        let umaRecord = try #require(try await world.store.keys.key(id: uma.keyID))
        #expect(umaRecord.revokedAt != nil, "uma's key: tom made its previous secret, still in its grace")
        #expect(try await world.store.keys.authenticated(valNow.secret.revealed).keyID == val.keyID)
        _ = try await world.store.keys.authenticated(world.keys["alice"]!)
    }

    /// Revoking a leaked key can take what it minted or rotated with it (the spare its thief
    /// made); by default it takes the key alone.
    @Test(arguments: StoreBackendKind.allCases) func revokingWithMintedRevokesTheKeysLine(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let aliceGrant = try Policy.authorize(world.salesAdmin, .issueKey, on: world.sales.resource)
        let spare = try await world.store.keys.issue(
            KeyRequest(holder: world.salesAdmin.userID, binding: .team(world.sales.reference), role: .teamAdmin, name: "spare"),
            aliceGrant)
        let spareChild = try await world.store.keys.issue(
            KeyRequest(holder: world.salesMember.userID, binding: .team(world.sales.reference), role: .member),
            Policy.authorize(try await world.store.keys.authenticated(spare.secret.revealed), .issueKey, on: world.sales.resource))
        let revoke = try Policy.authorize(world.acmeAdmin, .revokeKey, on: world.sales.resource)

        try await world.store.keys.revoke(world.salesAdmin.keyID, revoke)
        _ = try await world.store.keys.authenticated(spare.secret.revealed)  // the key alone
        _ = try await world.store.keys.authenticated(world.keys["bob"]!)

        try await world.store.keys.revoke(world.salesAdmin.keyID, withMinted: true, revoke)
        for secret in [spare.secret.revealed, spareChild.secret.revealed, world.keys["bob"]!, world.keys["vic"]!] {
            await #expect { try await world.store.keys.authenticated(secret) } throws: {
                ($0 as? AuthenticationFailure)?.reason == .revokedKey
            }
        }
        _ = try await world.store.keys.authenticated(world.keys["carol"]!)
    }

    /// A write that hands out access checks its key as it stands inside its own transaction: a
    /// grant made before the key's holder was removed or demoted (a request authenticated
    /// before the removal committed) mints, rotates and confers nothing after it.
    @Test(arguments: StoreBackendKind.allCases) func aGrantFromBeforeARemovalHandsOutNothingAfterIt(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let tom = try await world.secondSalesAdmin("tom")
        let mint = try Policy.authorize(tom, .issueKey, on: world.sales.resource)
        let rotate = try Policy.authorize(tom, .revokeKey, on: world.sales.resource)
        let confer = try Policy.authorize(tom, .addMember, on: world.sales.resource)
        let request = KeyRequest(holder: world.salesMember.userID, binding: .team(world.sales.reference), role: .member)

        try await world.store.memberships.setTeamRole(
            .member, for: tom.userID, Policy.authorize(world.acmeAdmin, .addMember, on: world.sales.resource))
        await #expect(throws: AccessDenied(.roleNotAllowed, action: .issueKey)) { try await world.store.keys.issue(request, mint) }

        try await world.store.memberships.removeFromTeam(
            tom.userID, Policy.authorize(world.acmeAdmin, .removeMember, on: world.sales.resource))
        for write in [
            { _ = try await world.store.keys.issue(request, mint) },
            { _ = try await world.store.keys.rotate(world.salesMember.keyID, graceSeconds: 0, rotate) },
            { _ = try await world.store.memberships.setTeamRole(.teamAdmin, for: tom.userID, confer) },
            { _ = try await world.store.keys.revoke(world.salesMember.keyID, rotate) },
        ] as [@Sendable () async throws -> Void] {
            await #expect { try await write() } throws: { ($0 as? AuthenticationFailure)?.reason == .revokedKey }
        }
        #expect(try await world.store.memberships.role(of: tom.userID, at: .team(world.sales.reference)) == nil)
        _ = try await world.store.keys.authenticated(world.keys["bob"]!)
        // An org admin's single sign-on mappings confer roles: the same check.
        let mappings = try Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource)
        try await world.store.memberships.removeOrganizationAdmin(
            world.acmeAdmin.userID, Policy.authorize(world.owner, .appointOrganizationAdmin, on: world.acme.resource))
        await #expect {
            try await world.store.singleSignOn.replaceMappings(
                [GroupMapping(group: "staff", team: world.sales.reference, role: .teamAdmin)], mappings)
        } throws: { ($0 as? AuthenticationFailure)?.reason == .revokedKey }
    }

    /// Offboarding in one step: a user removed from the organization leaves its teams, and every
    /// key they hold there goes — with the keys and alert destinations those made — while their
    /// place in another organization stays. An org admin may offboard members but not another
    /// org admin (the owner may).
    @Test(arguments: StoreBackendKind.allCases) func removingAUserFromTheOrganizationOffboardsThem(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let alice = world.salesAdmin
        // alice is also in development (a key there), and in globex.
        try await world.store.memberships.setTeamRole(
            .member, for: alice.userID, Policy.authorize(world.acmeAdmin, .addMember, on: world.development.resource))
        let development = try await world.store.keys.issue(
            KeyRequest(holder: alice.userID, binding: .team(world.development.reference), role: .member),
            Policy.authorize(world.acmeAdmin, .issueKey, on: world.development.resource))
        try await world.store.users.add(alice.userID, Policy.authorize(world.owner, .addOrganizationUser, on: world.globex.resource))
        let offboard = try Policy.authorize(world.acmeAdmin, .addOrganizationUser, on: world.acme.resource)

        try await world.store.memberships.removeFromOrganization(alice.userID, offboard)
        for secret in [world.keys["alice"]!, development.secret.revealed, world.keys["bob"]!] {
            await #expect { try await world.store.keys.authenticated(secret) } throws: {
                ($0 as? AuthenticationFailure)?.reason == .revokedKey
            }
        }
        #expect(try await world.store.memberships.role(of: alice.userID, at: .team(world.sales.reference)) == nil)
        #expect(try await world.store.memberships.role(of: alice.userID, at: .team(world.development.reference)) == nil)
        #expect(try await !world.store.users.isMember(alice.userID, of: world.acme.id))
        #expect(try await world.store.users.isMember(alice.userID, of: world.globex.id))
        await #expect(throws: StoreError.notFound(kind: "user", address: alice.userID.rawValue)) {
            try await world.store.memberships.removeFromOrganization(alice.userID, offboard)
        }
        // The org admin (dave) is the owner's to offboard.
        await #expect(throws: AccessDenied(.roleNotAllowed, action: .appointOrganizationAdmin)) {
            try await world.store.memberships.removeFromOrganization(world.acmeAdmin.userID, offboard)
        }
        try await world.store.memberships.removeFromOrganization(
            world.acmeAdmin.userID, Policy.authorize(world.owner, .addOrganizationUser, on: world.acme.resource))
        await #expect { try await world.store.keys.authenticated(world.keys["dave"]!) } throws: {
            ($0 as? AuthenticationFailure)?.reason == .revokedKey
        }
        _ = try await world.store.keys.authenticated(world.keys["rita"]!)
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
