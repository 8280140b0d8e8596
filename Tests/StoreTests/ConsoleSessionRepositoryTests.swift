import Foundation
import Testing
@testable import Store
import Tenancy

/// Console sessions on either backend: stored by their token's hash only, capped per key,
/// ended by sign-out, expiry or idleness, and seen by every replica of one database.
@Suite struct ConsoleSessionRepositoryTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    func session(_ world: StoreWorld, _ token: String, createdAt: Date = start) -> ConsoleSession {
        ConsoleSession(
            tokenHash: APIKeyHash(of: token).hex, keyID: world.salesMember.keyID, keyHash: APIKeyHash(of: "key"),
            createdAt: createdAt, lastSeenAt: createdAt, expiresAt: createdAt.addingTimeInterval(3600))
    }

    @Test(arguments: StoreBackendKind.allCases)
    func aSessionSignedInThroughOneReplicaIsReadByAnother(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let stored = session(world, "token-1")
        try await world.store.consoleSessions.insert(stored)
        let replica = try world.secondStore()
        #expect(try await replica.consoleSessions.session(tokenHash: stored.tokenHash) == stored)
        #expect(try await replica.consoleSessions.session(tokenHash: "token-1") == nil, "found by the hash only")
        try await replica.consoleSessions.touch(tokenHash: stored.tokenHash, at: Self.start.addingTimeInterval(60))
        let touched = try await world.store.consoleSessions.session(tokenHash: stored.tokenHash)
        #expect(touched?.lastSeenAt == Self.start.addingTimeInterval(60))
        #expect(try await world.store.consoleSessions.delete(tokenHash: stored.tokenHash))
        #expect(try await replica.consoleSessions.session(tokenHash: stored.tokenHash) == nil)
        #expect(try await world.store.consoleSessions.delete(tokenHash: stored.tokenHash) == false)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func signingInOnceMoreThanTheCapEndsTheOldestSession(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        let cap = ConsoleSessionRepository.maximumSessionsPerKey
        for index in 0...cap {
            try await world.store.consoleSessions.insert(
                session(world, "token-\(index)", createdAt: Self.start.addingTimeInterval(Double(index))))
        }
        #expect(try await world.store.consoleSessions.count(keyID: world.salesMember.keyID) == cap)
        #expect(try await world.store.consoleSessions.session(tokenHash: APIKeyHash(of: "token-0").hex) == nil)
        #expect(try await world.store.consoleSessions.session(tokenHash: APIKeyHash(of: "token-\(cap)").hex) != nil)
    }

    @Test(arguments: StoreBackendKind.allCases)
    func expiredAndIdleSessionsAreDropped(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        try await world.store.consoleSessions.insert(session(world, "old", createdAt: Self.start))
        try await world.store.consoleSessions.insert(session(world, "fresh", createdAt: Self.start.addingTimeInterval(3000)))
        let dropped = try await world.store.consoleSessions.deleteEnded(
            at: Self.start.addingTimeInterval(3600), idleSince: Self.start.addingTimeInterval(1))
        #expect(dropped == 1)
        #expect(try await world.store.consoleSessions.count(keyID: world.salesMember.keyID) == 1)
    }
}
