import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import Store
import Tenancy

/// Connections the server ends under a store in use (a restart, an administrator's
/// `pg_terminate_backend`): a transaction on one fails as unavailable or succeeds — it never
/// waits for ever — and the store works again at once.
@Suite struct PostgresConnectionLossTests {
    @Test func terminatedConnectionsAreDroppedAndTheStoreGoesOn() async throws {
        let database = try await TestDatabase.make(.postgres)
        let store = database.store
        let location = try #require(database.postgres)
        let entry = AuditEntry(identity: nil, action: "chat", resource: "team", decision: .deny(.unknownKey))
        for _ in 0..<3 {
            // Every pooled connection busy once, so several lie idle when the server ends them.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await store.audit.append(entry) } }
                try await group.waitForAll()
            }
            let ended = try await PostgresBackend.runOutsideTransaction(
                // The store's own connections only: not an autovacuum worker that may be in the
                // database (no role may end one without being a superuser).
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    + "AND usename = current_user AND backend_type = 'client backend'",
                at: location)
            // However many the four writes took (they follow each other under the writers' lock).
            guard case let .integer(count)? = ended.first?.first, count >= 1 else {
                Issue.record("no connection of the pool was ended: \(ended)")
                return
            }
            // Each transaction on an ended connection fails as unavailable, within the bound.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        do {
                            _ = try await store.audit.append(entry)
                        } catch let error as StoreError {
                            guard case .unavailable = error else { throw error }
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    throw CancellationError()
                }
                for _ in 0..<4 { try await group.next() }
                group.cancelAll()
            }
            _ = try await store.audit.append(entry)
        }
    }

    /// A statement whose answer never comes (a connection the server dropped without a word)
    /// gives up after its bound as unavailable, closing what it waited on.
    @Test func anAnswerThatNeverComesIsUnavailableAfterItsBound() throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let never = loop.makePromise(of: Int.self)
        let closed = Mutex(false)
        let started = ContinuousClock.now
        #expect {
            _ = try PostgresSession.answer(never.futureResult, within: .milliseconds(200)) {
                closed.withLock { $0 = true }
            }
        } throws: { error in
            guard case .unavailable? = error as? StoreError else { return false }
            return true
        }
        #expect(closed.withLock { $0 } && ContinuousClock.now - started < .seconds(10))
        never.succeed(1)  // late: ignored
        let answered = loop.makeSucceededFuture(7)
        #expect(try PostgresSession.answer(answered, within: .seconds(5)) {} == 7)
    }
}
