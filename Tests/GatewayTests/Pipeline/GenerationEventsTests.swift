import Gateway
import Synchronization
import Testing

/// The hand-over between a generation and its writer: everything pending in one take, in
/// order, the failure after the events before it, and a reader that goes away stops the
/// producer.
@Suite struct GenerationEventsTests {
    private static let usage = Usage(promptTokens: 3, completionTokens: 2)

    @Test func everythingPendingIsTakenAtOnceInOrderThenTheEnd() async throws {
        let events = GenerationEvents()
        events.yield(.delta("Hel"))
        events.yield(.delta("lo"))
        events.yield(.finished(Self.usage, .stop))
        events.finish()
        var batch: [GenerationEvent] = []
        #expect(try await events.take(into: &batch))
        #expect(batch == [.delta("Hel"), .delta("lo"), .finished(Self.usage, .stop)])
        #expect(try await !events.take(into: &batch))
        #expect(batch.count == 3)  // the end appends nothing
        events.yield(.delta("late"))  // dropped: the events ended
        #expect(try await !events.take(into: &batch))
    }

    @Test func aFailureComesAfterTheEventsBeforeIt() async throws {
        let events = GenerationEvents([.delta("partial")], failure: BackendError.unreachable("gone"))
        var batch: [GenerationEvent] = []
        #expect(try await events.take(into: &batch))
        #expect(batch == [.delta("partial")])
        await #expect(throws: BackendError.self) { try await events.take(into: &batch) }
        #expect(try await !events.take(into: &batch))  // thrown once, then the end
    }

    @Test func aWaitingReaderWakesForEachEventAndTheEnd() async throws {
        let events = GenerationEvents()
        let producer = Task {
            for index in 0..<200 {
                events.yield(.delta("\(index) "))
                if index % 7 == 0 { await Task.yield() }
            }
            events.yield(.finished(Self.usage, .length))
            events.finish()
        }
        var received: [GenerationEvent] = []
        var batch: [GenerationEvent] = []
        while try await events.take(into: &batch) {
            received += batch
            batch.removeAll()
        }
        await producer.value
        #expect(received == (0..<200).map { .delta("\($0) ") } + [.finished(Self.usage, .length)])
    }

    /// A reader that stops reading gets at most ``GenerationEvents/maximumPending`` events
    /// held for it: one more ends them, drops the pending ones and stops the producer.
    @Test func aReaderThatStopsReadingStopsTheProducerAtTheLimit() async throws {
        let events = GenerationEvents()
        let stopped = Atomic(false)
        events.onTermination { stopped.store(true, ordering: .relaxed) }
        for index in 0..<GenerationEvents.maximumPending { events.yield(.delta("\(index)")) }
        let before = stopped.load(ordering: .relaxed)
        #expect(!before)
        events.yield(.delta("one too many"))
        let after = stopped.load(ordering: .relaxed)
        #expect(after)
        events.yield(.delta("dropped"))
        var batch: [GenerationEvent] = []
        await #expect {
            _ = try await events.take(into: &batch)
        } throws: { ($0 as? GatewayError)?.code == "client_not_reading" }
        #expect(batch.isEmpty)
    }

    @Test func theSequenceHandsOutSingleEvents() async throws {
        let events = GenerationEvents([.delta("a"), .delta("b"), .finished(Self.usage, .stop)])
        var received: [GenerationEvent] = []
        for try await event in events { received.append(event) }
        #expect(received == [.delta("a"), .delta("b"), .finished(Self.usage, .stop)])
    }

    @Test func aCancelledReaderStopsTheProducerOnce() async throws {
        let stops = Atomic<Int>(0)
        let events = GenerationEvents()
        events.onTermination { stops.add(1, ordering: .relaxed) }
        let reader = Task {
            var batch: [GenerationEvent] = []
            return try await events.take(into: &batch)
        }
        try await Task.sleep(for: .milliseconds(20))  // the reader waits
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(stops.load(ordering: .relaxed) == 1)
        events.yield(.delta("after"))  // dropped
        events.finish()
        var batch: [GenerationEvent] = []
        #expect(try await !events.take(into: &batch))  // the reader had its CancellationError
        #expect(batch.isEmpty)
        #expect(stops.load(ordering: .relaxed) == 1)
        // A stop set after the reader went away runs at once.
        events.onTermination { stops.add(1, ordering: .relaxed) }
        #expect(stops.load(ordering: .relaxed) == 2)
    }

    @Test func aProducerThatFinishedIsNotStopped() async throws {
        let stops = Atomic<Int>(0)
        let events = GenerationEvents()
        events.onTermination { stops.add(1, ordering: .relaxed) }
        events.yield(.finished(Self.usage, .stop))
        events.finish()
        let reader = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var batch: [GenerationEvent] = []
            return (try await events.take(into: &batch), batch)
        }
        let (more, batch) = try await reader.value
        #expect(more && batch == [.finished(Self.usage, .stop)])  // what was sent is still read
        #expect(stops.load(ordering: .relaxed) == 0)
    }
}
