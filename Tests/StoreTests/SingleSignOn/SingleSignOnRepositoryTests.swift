import Foundation
import Store
import Tenancy
import Testing

/// Single sign-on's store part on both backends: mappings stay inside their organization, and
/// a sign-in grants what the token's groups map to and withdraws only what SSO itself made.
@Suite struct SingleSignOnRepositoryTests {
    @Test(arguments: StoreBackendKind.allCases)
    func aSignInGrantsMappedRolesAndWithdrawsOnlyWhatItMade(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let sso = world.store.singleSignOn
        try await sso.replaceMappings(
            [
                GroupMapping(group: "sales-eng", team: world.sales.reference, role: .member),
                GroupMapping(group: "dev", team: world.development.reference, role: .viewer),
            ], Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
        let stored = try await sso.mappings(Policy.authorize(world.acmeAdmin, .readSingleSignOn, on: world.acme.resource))
        #expect(stored.map(\.group) == ["sales-eng", "dev"])

        func signIn(_ groups: [String]) async throws -> SingleSignOnResult {
            let identity = ExternalIdentity(
                issuer: "https://idp.example.com", subject: "subject-1", preferredName: "sam", email: nil, groups: groups)
            return try await sso.signIn(identity, organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        }
        let first = try await signIn(["sales-eng", "dev", "unmapped"])
        #expect(first.created)
        #expect(Set(first.added) == [world.sales.id, world.development.id])
        // The session key acts at the highest role: member of sales, above viewer of development.
        let principal = try await world.store.keys.authenticated(try first.key.revealed)
        #expect(principal.teamID == world.sales.id && principal.role == .member)

        // An admin takes the development membership over by hand; the groups then go away.
        try await world.store.memberships.setTeamRole(
            .member, for: first.user.id, Policy.authorize(world.acmeAdmin, .addMember, on: world.development.resource))
        let second = try await signIn([])
        #expect(!second.created && second.user.id == first.user.id)
        #expect(second.removed == [world.sales.id])
        #expect(try await world.store.memberships.role(of: first.user.id, at: .team(world.sales.reference)) == nil)
        #expect(try await world.store.memberships.role(of: first.user.id, at: .team(world.development.reference)) == .member)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func anotherOrganizationsTeamCannotBeMapped(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        await #expect(throws: StoreError.notFound(kind: "team", address: world.research.id.rawValue)) {
            try await world.store.singleSignOn.replaceMappings(
                [GroupMapping(group: "g", team: world.research.reference, role: .member)],
                Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
        }
        #expect(throws: AccessDenied.self) {
            try Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.globex.resource)
        }
    }

    /// A world whose `sales-eng` group maps to sales members, and a person in that group.
    static func salesEngineer(_ backend: StoreBackendKind, subject: String, name: String) async throws
        -> (StoreWorld, ExternalIdentity)
    {
        let world = try await StoreWorld.make(backend)
        try await world.store.singleSignOn.replaceMappings(
            [GroupMapping(group: "sales-eng", team: world.sales.reference, role: .member)],
            Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
        let identity = ExternalIdentity(
            issuer: "https://idp.example.com", subject: subject, preferredName: name, email: nil, groups: ["sales-eng"])
        return (world, identity)
    }

    /// A sign-in that leaves the person no role opens no session, but it found (or made) the
    /// user and removed memberships: the result says so, for the audit.
    @Test(arguments: StoreBackendKind.allCases)
    func aSignInLeavingNoRoleStillSaysWhoAndWhatItRemoved(_ backend: StoreBackendKind) async throws {
        let (world, identity) = try await Self.salesEngineer(backend, subject: "subject-4", name: "noa")
        let sso = world.store.singleSignOn
        let first = try await sso.signIn(identity, organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        let last = try await sso.signIn(
            identity.with(groups: []), organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        #expect(last.sessionKey == nil)
        #expect(last.user.id == first.user.id && !last.created)
        #expect(last.removed == [world.sales.id])
    }

    @Test(arguments: StoreBackendKind.allCases)
    func theNextSignInRemovesExpiredSessionKeysOnly(_ backend: StoreBackendKind) async throws {
        let (world, identity) = try await Self.salesEngineer(backend, subject: "subject-2", name: "kim")
        let sso = world.store.singleSignOn
        let start = Date()
        func signIn(at offset: TimeInterval, expiringAfter lifetime: TimeInterval) async throws -> SingleSignOnResult {
            try await sso.signIn(
                identity, organization: world.acme.id, sessionExpiresAt: start.addingTimeInterval(offset + lifetime),
                now: start.addingTimeInterval(offset))
        }
        func sessionKeyPrefixes() async throws -> Set<String> {
            Set(
                try await world.store.keys.list(visibleTo: world.acmeAdmin, team: world.sales.id)
                    .filter { $0.name == SingleSignOnRepository.sessionKeyName }.map(\.prefix))
        }
        let first = try await signIn(at: 0, expiringAfter: 60)
        let second = try await signIn(at: 30, expiringAfter: 60)
        // The first session's key has not expired yet at the second sign-in: it stays.
        #expect(try await sessionKeyPrefixes() == [first.key.prefix, second.key.prefix])
        let third = try await signIn(at: 70, expiringAfter: 3600)
        #expect(try await sessionKeyPrefixes() == [second.key.prefix, third.key.prefix])
        let principal = try await world.store.keys.authenticated(try second.key.revealed, at: start.addingTimeInterval(80))
        #expect(principal.teamID == world.sales.id)
    }

    /// A person holds at most as many live SSO sessions as a key may hold sessions: the oldest
    /// key gives way at the next sign-in; signing out ends the session's own key, never another.
    @Test(arguments: StoreBackendKind.allCases)
    func sessionKeysAreCappedAndEndedAtSignOut(_ backend: StoreBackendKind) async throws {
        let (world, identity) = try await Self.salesEngineer(backend, subject: "subject-3", name: "lee")
        let sso = world.store.singleSignOn
        let start = Date()
        var prefixes: [String] = []
        let cap = ConsoleSessionRepository.maximumSessionsPerKey
        for index in 0..<(cap + 2) {
            let result = try await sso.signIn(
                identity, organization: world.acme.id, sessionExpiresAt: start.addingTimeInterval(3600),
                now: start.addingTimeInterval(Double(index)))
            prefixes.append(try result.key.prefix)
        }
        func live() async throws -> Set<String> {
            Set(
                try await world.store.keys.list(visibleTo: world.acmeAdmin, team: world.sales.id)
                    .filter { $0.name == SingleSignOnRepository.sessionKeyName }.map(\.prefix))
        }
        #expect(try await live() == Set(prefixes.suffix(cap)))
        let keys = try await world.store.keys.list(visibleTo: world.acmeAdmin, team: world.sales.id)
        let newest = try #require(keys.first { $0.prefix == prefixes.last })
        try await sso.endSessionKey(newest.id)
        #expect(try await live() == Set(prefixes.suffix(cap).dropLast()))
        // Not an SSO session's key: left alone.
        let other = try #require(keys.first { $0.name != SingleSignOnRepository.sessionKeyName })
        try await sso.endSessionKey(other.id)
        #expect(try await world.store.keys.key(id: other.id) != nil)
    }

    /// How an SSO team admin loses the right to the keys their sessions minted.
    enum Offboarding: CaseIterable, Sendable {
        case groupRemoved, mappingDemoted, removedFromTeam, removedFromOrganization, demotedByHand
    }

    /// A sales team admin by the `sales-leads` group, signed in once: the world, their identity,
    /// and their session's principal.
    static func salesLead(_ backend: StoreBackendKind, subject: String) async throws
        -> (StoreWorld, ExternalIdentity, Principal)
    {
        let world = try await StoreWorld.make(backend)
        try await world.store.singleSignOn.replaceMappings(
            [GroupMapping(group: "sales-leads", team: world.sales.reference, role: .teamAdmin)],
            Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
        let identity = ExternalIdentity(
            issuer: "https://idp.example.com", subject: subject, preferredName: "lena", email: nil,
            groups: ["sales-leads"])
        let signedIn = try await world.store.singleSignOn.signIn(
            identity, organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        return (world, identity, try await world.store.keys.authenticated(try signedIn.key.revealed))
    }

    /// Whoever minted a key saw its secret: removing or demoting them revokes it, down the line
    /// from their keys. An SSO session's key used to be deleted at sign-out, which cut that
    /// line — a key minted in a colleague's name in the console outlived its maker's
    /// offboarding (probe 5, F1). The signed-out session's key is now revoked and kept while
    /// anything live hangs below it, and goes once nothing does.
    @Test(arguments: StoreBackendKind.allCases, Offboarding.allCases)
    func keysMintedInASignedOutSessionAreRevokedAtOffboarding(_ backend: StoreBackendKind, _ way: Offboarding)
        async throws
    {
        let (world, identity, session) = try await Self.salesLead(backend, subject: "lead-\(way)")
        let store = world.store
        let bob = try await world.user("bob")
        let minted = try await store.keys.issue(
            KeyRequest(holder: bob.id, binding: .team(world.sales.reference), role: .member, name: "for bob"),
            Policy.authorize(session, .issueKey, on: world.sales.resource))
        try await store.singleSignOn.endSessionKey(session.keyID)
        let ended = try await store.keys.key(id: session.keyID)
        #expect(ended != nil, "deleted: the line below it was cut")
        #expect(ended?.revokedAt != nil, "a signed-out session's key still works")
        #expect(try await store.keys.authenticated(minted.secret.revealed).keyID == minted.record.id)

        let lead = try await world.user("lena")
        let onSales = try Policy.authorize(world.acmeAdmin, .addMember, on: world.sales.resource)
        func signIn(_ groups: [String]) async throws {
            _ = try await store.singleSignOn.signIn(
                identity.with(groups: groups), organization: world.acme.id,
                sessionExpiresAt: Date().addingTimeInterval(3600))
        }
        switch way {
        case .groupRemoved:
            try await signIn([])
        case .mappingDemoted:
            try await store.singleSignOn.replaceMappings(
                [GroupMapping(group: "sales-leads", team: world.sales.reference, role: .member)],
                Policy.authorize(world.acmeAdmin, .manageSingleSignOn, on: world.acme.resource))
            try await signIn(["sales-leads"])
        case .removedFromTeam:
            try await store.memberships.removeFromTeam(
                lead.id, Policy.authorize(world.acmeAdmin, .removeMember, on: world.sales.resource))
        case .removedFromOrganization:
            try await store.memberships.removeFromOrganization(
                lead.id, Policy.authorize(world.acmeAdmin, .addOrganizationUser, on: world.acme.resource))
        case .demotedByHand:
            try await store.memberships.setTeamRole(.member, for: lead.id, onSales)
        }
        await #expect(throws: AuthenticationFailure.self, "minted by an offboarded admin's session") {
            try await store.keys.authenticated(minted.secret.revealed)
        }
        // Nothing live hangs below the session's key now: the next sign-in lets it go.
        try await signIn(["sales-leads"])
        #expect(try await store.keys.key(id: session.keyID) == nil)
    }

    /// The sixteen-session cap ends the oldest session's key as sign-out does: what that
    /// session minted stays within reach of the offboarding.
    @Test(arguments: StoreBackendKind.allCases)
    func keysMintedInACappedSessionAreRevokedAtOffboarding(_ backend: StoreBackendKind) async throws {
        let (world, identity, session) = try await Self.salesLead(backend, subject: "lead-capped")
        let store = world.store
        let minted = try await store.keys.issue(
            KeyRequest(holder: try await world.user("bob").id, binding: .team(world.sales.reference), role: .member),
            Policy.authorize(session, .issueKey, on: world.sales.resource))
        for _ in 0..<ConsoleSessionRepository.maximumSessionsPerKey {
            _ = try await store.singleSignOn.signIn(
                identity, organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        }
        #expect(try await store.keys.key(id: session.keyID)?.revokedAt != nil, "capped, and kept")
        _ = try await store.singleSignOn.signIn(
            identity.with(groups: []), organization: world.acme.id, sessionExpiresAt: Date().addingTimeInterval(3600))
        await #expect(throws: AuthenticationFailure.self) {
            try await store.keys.authenticated(minted.secret.revealed)
        }
    }
}

extension ExternalIdentity {
    /// The same person, with other groups at the provider.
    func with(groups: [String]) -> ExternalIdentity {
        ExternalIdentity(issuer: issuer, subject: subject, preferredName: preferredName, email: email, groups: groups)
    }
}

extension SingleSignOnResult {
    /// The session's key, which every sign-in that leaves the person a role has.
    var key: APIKeySecret {
        get throws { try #require(sessionKey) }
    }
}
