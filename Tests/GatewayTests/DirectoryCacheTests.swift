import Foundation
@testable import Gateway
import Store
import Synchronization
import Tenancy
import Testing

/// The hot path caches keys and profiles; these are the changes that must still apply to
/// the very next request.
@Suite struct DirectoryCacheTests {
    private func authenticate(_ world: GatewayWorld, _ holder: String) async throws -> Principal {
        try await world.gateway.authenticator.authenticate(authorization: "Bearer \(world.keys[holder]!)", audit: world.audit())
    }

    @Test func aRevokedKeyFailsOnTheNextRequestEvenWhenCached() async throws {
        let world = try await GatewayWorld.make()
        let bob = try await authenticate(world, "bob")
        _ = try await authenticate(world, "bob")
        let alice = try await world.principal("alice")
        _ = try await world.gateway.administration.revokeKey(bob.keyID.rawValue, principal: alice, audit: world.audit())
        await #expect(throws: GatewayError.denied(.revokedKey)) { try await authenticate(world, "bob") }
    }

    @Test func aRemovedMembersKeyFailsOnTheNextRequestEvenWhenCached() async throws {
        let world = try await GatewayWorld.make()
        _ = try await authenticate(world, "vic")
        let alice = try await world.principal("alice")
        try await world.gateway.administration.removeMember("vic", of: "sales", principal: alice, audit: world.audit())
        // Removal revokes the member's keys of the team.
        await #expect(throws: GatewayError.denied(.revokedKey)) { try await authenticate(world, "vic") }
    }

    @Test func aDemotionAppliesToTheNextRequestEvenWhenCached() async throws {
        let world = try await GatewayWorld.make()
        #expect(try await authenticate(world, "bob").rights.contains(.writeDocuments))
        let alice = try await world.principal("alice")
        _ = try await world.gateway.administration.setMember("bob", of: "sales", role: "viewer", principal: alice, audit: world.audit())
        let demoted = try await authenticate(world, "bob")
        #expect(demoted.role == .viewer && !demoted.rights.contains(.writeDocuments))
    }

    @Test func anExpiredKeyFailsWithoutAnyInvalidation() async throws {
        let clock = MutableNow()
        let world = try await GatewayWorld.make()
        let alice = try await world.principal("alice")
        let issued = try await world.gateway.administration.issueKey(
            KeyIssueOrder(user: "bob", team: "sales", expiresAt: Date().addingTimeInterval(60)), principal: alice,
            audit: world.audit())
        let authenticator = RequestAuthenticator(
            store: world.store, writer: world.writer, cache: DirectoryCache(), now: { clock.now })
        _ = try await authenticator.authenticate(authorization: "Bearer \(issued.secret.revealed)", audit: world.audit())
        clock.advance(by: 120)
        await #expect(throws: GatewayError.denied(.expiredKey)) {
            try await authenticator.authenticate(authorization: "Bearer \(issued.secret.revealed)", audit: world.audit())
        }
    }
}

/// Several replicas: a change another process made never calls this cache's `invalidate()`;
/// the shared directory version it reads on each request's first look tells it instead.
@Suite struct SharedDirectoryVersionTests {
    @Test func aKeyRevokedByAnotherProcessFailsOnceTheSharedVersionMoves() async throws {
        let world = try await GatewayWorld.make()
        // A test double for PostgreSQL's directory version: moved by hand, read counted.
        let shared = Mutex<(version: Int64, reads: Int)>((1, 0))
        let cache = DirectoryCache(sharedVersion: {
            shared.withLock { state in
                state.reads += 1
                return state.version
            }
        })
        let replica = RequestAuthenticator(store: world.store, writer: world.writer, cache: cache)
        let bob = "Bearer \(world.keys["bob"]!)"
        let principal = try await replica.authenticate(authorization: bob, audit: world.audit())
        _ = try await replica.authenticate(authorization: bob, audit: world.audit())
        #expect(shared.withLock { $0.reads } == 2, "one reading per request")

        // "Another process": the world's own gateway, whose invalidation never reaches `cache`.
        let alice = try await world.principal("alice")
        _ = try await world.gateway.administration.revokeKey(principal.keyID.rawValue, principal: alice, audit: world.audit())
        shared.withLock { $0.version += 1 }
        await #expect(throws: GatewayError.denied(.revokedKey)) {
            try await replica.authenticate(authorization: bob, audit: world.audit())
        }
    }

    @Test func aDatabaseThatCannotBeReadFailsTheRequestRatherThanTrustingTheCache() async throws {
        let world = try await GatewayWorld.make()
        let down = Mutex(false)
        let cache = DirectoryCache(sharedVersion: {
            if down.withLock({ $0 }) { throw StoreError.unavailable("the connection to PostgreSQL failed") }
            return 1
        })
        let replica = RequestAuthenticator(store: world.store, writer: world.writer, cache: cache)
        let bob = "Bearer \(world.keys["bob"]!)"
        _ = try await replica.authenticate(authorization: bob, audit: world.audit())
        down.withLock { $0 = true }
        await #expect {
            try await replica.authenticate(authorization: bob, audit: world.audit())
        } throws: { error in
            (error as? GatewayError)?.kind == .unavailable
        }
    }
}

final class MutableNow: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
