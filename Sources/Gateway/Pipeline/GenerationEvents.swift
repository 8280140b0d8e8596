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
///
/// A reader that stops taking them — a client that opens a stream and never reads it, its
/// socket full — is given at most ``maximumPending`` events: one more ends the events (the
/// pending ones dropped) and stops the generation, as if the client had hung up. Without it
/// the generation ran on at the engine's speed into memory, 30 bytes a token for as long as
/// the connection stayed open (attack round 7: 4 MB for each stalled stream of 131,072
/// tokens).
public final class GenerationEvents: AsyncSequence, Sendable {
    public typealias Element = GenerationEvent

    /// Events waiting for a reader at most (about half a megabyte of tokens): far past what a
    /// socket's buffers hold, so only a reader that stopped reading reaches it.
    public static let maximumPending = 16_384

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
        if handOff.yield(event) > Self.maximumPending {
            handOff.abandon(
                throwing: GatewayError(
                    .clientClosed, "The client stopped reading its stream: the generation was stopped",
                    code: "client_not_reading"))
        }
    }

    /// Ends the events at once: the reader gets `failure` next, events not yet read are
    /// dropped, and the producer is stopped (``onTermination(_:)``).
    func abandon(throwing failure: any Error) {
        handOff.abandon(throwing: failure)
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
