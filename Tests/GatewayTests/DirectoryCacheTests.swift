import Foundation
@testable import Gateway
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
        await #expect(throws: GatewayError.denied(.membershipRevoked)) { try await authenticate(world, "vic") }
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

final class MutableNow: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
