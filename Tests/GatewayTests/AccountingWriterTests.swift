import Foundation
@testable import Gateway
import Logging
import Store
import Tenancy
import Testing

@Suite struct AccountingWriterTests {
    private func entry(_ index: Int) -> AuditEntry {
        AuditEntry(identity: nil, action: "test", resource: "r\(index)", decision: .allow, query: "q\(index)")
    }

    @Test func everyRecordSubmittedBeforeShutdownIsWrittenInOrder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-writer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try AtriumStore(home: directory)
        let writer = AccountingWriter(store: store, logger: Logger(label: "test"))
        let loop = Task { await writer.run() }
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for index in 0..<500 { writer.submit(entry(producer * 1000 + index), usage: nil) }
                }
            }
        }
        writer.shutdown()
        await loop.value

        let verification = try await store.audit.verify()
        #expect(verification.isIntact)
        #expect(verification.intactRecords == 2000)
    }

    /// The database refuses (here: nothing listens where it should be) while a batch is being
    /// retried, and then the server stops: the writer gives that batch up after a few more
    /// tries, says so, and ends — it must not hold the process up retrying forever.
    @Test(.timeLimit(.minutes(1))) func aShutdownEndsABatchRetryingAgainstADeadDatabase() async throws {
        let location = try #require(try PostgresLocation(url: "postgres://atrium@127.0.0.1:1/atrium"))
        let writer = AccountingWriter(store: AtriumStore(postgres: location, poolSize: 1), logger: Logger(label: "test"))
        let loop = Task { await writer.run() }
        writer.submit(entry(0), usage: nil)
        // Waits on the batch, which is retried (not final: the server has not stopped yet).
        let flushed = Task { await writer.flush() }
        try await Task.sleep(for: .milliseconds(300))
        writer.shutdown()
        await loop.value
        await flushed.value
    }

    /// With the database down an answer waits for its record only so long: the writer's
    /// watchdog gives a limited flush up (the record stays queued), while the writer retries.
    @Test(.timeLimit(.minutes(1))) func aLimitedFlushReturnsWhileTheDatabaseIsDown() async throws {
        let location = try #require(try PostgresLocation(url: "postgres://atrium@127.0.0.1:1/atrium"))
        let writer = AccountingWriter(store: AtriumStore(postgres: location, poolSize: 1), logger: Logger(label: "test"))
        let loop = Task { await writer.run() }
        writer.submit(entry(0), usage: nil)
        let started = ContinuousClock.now
        let committed = await writer.flush(waitingAtMost: .milliseconds(300))
        let waited = started.duration(to: .now)
        #expect(!committed, "the caller learns its record is not in the store")
        #expect(waited >= .milliseconds(300) && waited < .seconds(3), "\(waited)")
        // Failing for a second or more: the gateway refuses requests at the door meanwhile.
        while !writer.isFailing, started.duration(to: .now) < .seconds(20) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(writer.isFailing)
        writer.shutdown()
        await loop.value
    }

    /// A key's last use is written about a second after it, even when no request (and so no
    /// flush or commit) follows: the watchdog wakes the writer for it.
    @Test(.timeLimit(.minutes(1))) func aKeysLastUseIsWrittenWithoutFurtherTraffic() async throws {
        let world = try await GatewayWorld.make()
        let bob = try await world.principal("bob")  // notes the key's use; submits nothing
        let deadline = ContinuousClock.now + .seconds(5)
        var written: Date?
        while written == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            written = try await world.store.keys.key(id: bob.keyID)?.lastUsedAt
        }
        #expect(written != nil)
    }

    /// A running request's budget hold outlives its lifetime while its replica renews it, and
    /// is reclaimed once nobody does: a replica that dies mid-request gives its reservations
    /// back within ``BudgetRepository/holdLifetime``, a live one never loses them.
    @Test(.timeLimit(.minutes(1))) func aRunningRequestsHoldIsRenewedUntilItEnds() async throws {
        let world = try await GatewayWorld.make()
        _ = try await world.gateway.administration.setBudget(
            BudgetOrder(subject: .team, unit: .tokens, amount: "1000", period: .monthly, warnPercent: 80),
            of: "acme/sales", principal: try await world.principal("dave"), audit: world.audit())
        let bob = try await world.principal("bob")
        let scope = try Authorizer.dataScope(of: bob, for: .chat, audit: world.audit())
        // Reserved as if long ago: without renewal the hold expires a second from now.
        let lifetime = BudgetRepository.holdLifetime
        func reserveAll(at date: Date) async throws -> BudgetReservation {
            try await world.store.budgets.reserve(promptTokens: 900, completionTokens: 100, model: "m", in: scope, at: date)
        }
        let running = try await reserveAll(at: Date().addingTimeInterval(1 - lifetime))
        let writer = AccountingWriter(store: world.store, logger: Logger(label: "test"), holdRenewal: .milliseconds(200))
        let loop = Task { await writer.run() }
        writer.holdBegan(running)
        try await Task.sleep(for: .seconds(2))
        await #expect(throws: BudgetExhausted.self, "the renewed hold still holds the budget") {
            _ = try await reserveAll(at: Date())
        }
        // The request ends without settling (its replica is about to die): renewal stops, and
        // the hold is reclaimed once its renewed lifetime has passed.
        writer.holdEnded(running)
        writer.shutdown()
        await loop.value
        await #expect(throws: BudgetExhausted.self) { _ = try await reserveAll(at: Date().addingTimeInterval(lifetime - 10)) }
        _ = try await reserveAll(at: Date().addingTimeInterval(lifetime + 1))
    }

    @Test func flushReturnsOnceSubmittedRecordsAreReadable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-writer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try AtriumStore(home: directory)
        let writer = AccountingWriter(store: store, logger: Logger(label: "test"))
        let loop = Task { await writer.run() }
        for index in 0..<10 { writer.submit(entry(index), usage: nil) }
        #expect(await writer.flush(waitingAtMost: .seconds(30)), "committed, and said so")
        #expect(try await store.audit.verify().intactRecords == 10)
        #expect(!writer.isFailing)
        writer.shutdown()
        await loop.value
    }

    /// A client waits for its record: the writer's gathering window (meant for records nobody
    /// waits for) must not delay it. The window here is far longer than the test allows.
    @Test func aFlushCutsTheGatheringWindowShort() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-writer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try AtriumStore(home: directory)
        let writer = AccountingWriter(store: store, logger: Logger(label: "test"), gatheringWindow: .seconds(120))
        let loop = Task { await writer.run() }
        for round in 1...4 {
            writer.submit(entry(round), usage: nil)
            // Flushed at once (the writer may not have woken yet), or once it is gathering.
            if round.isMultiple(of: 2) { try await Task.sleep(for: .milliseconds(30)) }
            let started = ContinuousClock.now
            await writer.flush()
            #expect(started.duration(to: .now) < .seconds(60), "round \(round) waited for the window")
            #expect(try await store.audit.verify().intactRecords == round)
        }
        let started = ContinuousClock.now
        writer.submit(entry(5), usage: nil)
        try await Task.sleep(for: .milliseconds(30))
        writer.shutdown()
        await loop.value
        #expect(started.duration(to: .now) < .seconds(60), "the shutdown waited for the window")
        #expect(try await store.audit.verify().intactRecords == 5)
    }
}
