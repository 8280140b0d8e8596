/// The events of one generation, from the task that runs it to the one reader that sends
/// them on (a response writer): every event pending at once (see ``HandOff``), so a writer
/// that fell behind sends several tokens in one write instead of one write each.
///
/// ```swift
/// let events = GenerationEvents()
/// events.onTermination { task.cancel() }  // the reader went away: stop generating
/// events.yield(.delta("Hel"))              // the producer, any task
/// events.finish()
/// var batch: [GenerationEvent] = []
/// while try await events.take(into: &batch) { send(batch); batch.removeAll() }  // the reader
/// ```
///
/// Also an `AsyncSequence` of single events, for readers that want them one by one.
public final class GenerationEvents: AsyncSequence, Sendable {
    public typealias Element = GenerationEvent

    private let handOff = HandOff<GenerationEvent>()

    public init() {}

    /// Events that are all there already (a replayed answer, tests).
    public convenience init(_ events: [GenerationEvent], failure: (any Error)? = nil) {
        self.init()
        for event in events { yield(event) }
        finish(throwing: failure)
    }

    /// What stops the producer if the reader is cancelled before the events end.
    public func onTermination(_ action: @escaping @Sendable () -> Void) {
        handOff.onTermination(action)
    }

    /// Adds an event (dropped once the events ended).
    public func yield(_ event: GenerationEvent) {
        handOff.yield(event)
    }

    /// Ends the events; the reader gets `failure` (if any) after every event before it.
    public func finish(throwing failure: (any Error)? = nil) {
        handOff.finish(throwing: failure)
    }

    /// Waits for at least one event or the end, then appends every pending event to `batch`.
    /// - Returns: false once the events ended and all were taken.
    /// - Throws: the generation's failure after the events before it; `CancellationError`
    ///   if the reading task is cancelled while it waits (the generation is then stopped).
    public func take(into batch: inout [GenerationEvent]) async throws -> Bool {
        try await handOff.take(into: &batch)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let events: GenerationEvents
        var batch: [GenerationEvent] = []
        var index = 0

        public mutating func next() async throws -> GenerationEvent? {
            if index == batch.count {
                batch.removeAll(keepingCapacity: true)
                index = 0
                guard try await events.take(into: &batch) else { return nil }
            }
            defer { index += 1 }
            return batch[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: self)
    }
}
