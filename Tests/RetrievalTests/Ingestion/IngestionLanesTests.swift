import Foundation
import Synchronization
import Tenancy
import Testing

@testable import Retrieval

/// Uploads are read in their team's lane: one team's slow document (a PDF kept `pdftotext`
/// busy for two minutes) held every team's uploads on the one serial queue they shared
/// (attack round 4). Lanes are independent, in order within a team, bounded and cancellable.
@Suite struct IngestionLanesTests {
    /// A gate a piece of work waits at until the test opens it.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        func wait() { semaphore.wait() }
        func open() { semaphore.signal() }
    }

    /// What the pieces did, in the order they did it.
    final class Record: Sendable {
        let values = Mutex<[Int]>([])
        func append(_ value: Int) { values.withLock { $0.append(value) } }
        var all: [Int] { values.withLock { $0 } }
    }

    @Test func oneTeamsBlockedWorkDoesNotHoldAnotherTeams() async throws {
        let lanes = IngestionLanes()
        let gate = Gate()
        let sales = TeamID(rawValue: "team_sales"), development = TeamID(rawValue: "team_dev")
        let slow = Task { try await lanes.run(for: sales) { gate.wait(); return "slow" } }
        while lanes.isBusy(sales) == false { await Task.yield() }
        let started = ContinuousClock.now
        #expect(try await lanes.run(for: development) { "quick" } == "quick")
        #expect(started.duration(to: .now) < .seconds(5))
        gate.open()
        #expect(try await slow.value == "slow")
    }

    @Test func aTeamsWorkRunsOneAtATimeInOrderAndAFullLaneRefuses() async throws {
        let lanes = IngestionLanes()
        let gate = Gate()
        let sales = TeamID(rawValue: "team_sales")
        let order = Record()
        let first = Task { try await lanes.run(for: sales) { gate.wait(); order.append(0) } }
        while lanes.isBusy(sales) == false { await Task.yield() }
        var waiting: [Task<Void, any Error>] = []
        for index in 1...IngestionLanes.maximumWaiting {
            waiting.append(Task { try await lanes.run(for: sales) { order.append(index) } })
            while lanes.waiting(for: sales) < index { await Task.yield() }
        }
        await #expect(throws: KnowledgeError.tooManyUploads(limit: IngestionLanes.maximumWaiting)) {
            try await lanes.run(for: sales) {}
        }
        gate.open()
        try await first.value
        for task in waiting { try await task.value }
        #expect(order.all == Array(0...IngestionLanes.maximumWaiting))
    }

    @Test func aCancelledWaitingPieceIsDroppedUnrun() async throws {
        let lanes = IngestionLanes()
        let gate = Gate()
        let sales = TeamID(rawValue: "team_sales")
        let ran = Record()
        let first = Task { try await lanes.run(for: sales) { gate.wait() } }
        while lanes.isBusy(sales) == false { await Task.yield() }
        let queued = Task { try await lanes.run(for: sales) { ran.append(1) } }
        while lanes.waiting(for: sales) == 0 { await Task.yield() }
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(lanes.waiting(for: sales) == 0)
        gate.open()
        try await first.value
        #expect(try await lanes.run(for: sales) { "after" } == "after")
        #expect(ran.all.isEmpty)
    }

    /// A stopping server waited for a reader that could not be stopped (3 min 40 s past its
    /// grace, attack round 4): a running piece's request ends at once when cancelled.
    @Test func aCancelledRunningPieceEndsItsRequestAtOnceAndTheLaneGoesOn() async throws {
        let lanes = IngestionLanes()
        let gate = Gate()
        let sales = TeamID(rawValue: "team_sales")
        let running = Task { try await lanes.run(for: sales) { gate.wait(); return "late" } }
        while lanes.isBusy(sales) == false { await Task.yield() }
        let next = Task { try await lanes.run(for: sales) { "next" } }
        while lanes.waiting(for: sales) == 0 { await Task.yield() }
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
        #expect(lanes.isBusy(sales), "the reader itself runs on")
        gate.open()
        #expect(try await next.value == "next")
    }
}
