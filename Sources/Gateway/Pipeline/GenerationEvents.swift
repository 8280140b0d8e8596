import Synchronization

/// The events of one generation, from the task that runs it to the one reader that sends
/// them on (a response writer).
///
/// An `AsyncThrowingStream` hands events over one at a time, so a writer reading from it
/// wakes and writes once per token. This hands its reader everything pending at once
/// (``take(into:)``): when a stream's tokens arrive faster than its writer gets the CPU —
/// many streams on few cores — they leave in one write instead of one each, so the busier
/// the server, the less each token costs it. No event waits for a batch to fill: whatever is
/// pending when the reader runs goes out. Concrete rather than generic, so handing over an
/// event looks up no generic metadata.
///
/// ```swift
/// let events = GenerationEvents(onTermination: { task.cancel() })
/// events.yield(.delta("Hel"))            // the producer, any task
/// events.finish()
/// var batch: [GenerationEvent] = []
/// while try await events.take(into: &batch) { send(batch); batch.removeAll() }  // the reader
/// ```
///
/// It is also an `AsyncSequence` of single events for readers that want them one by one.
/// One reader at a time: concurrent readers would split the events between them.
public final class GenerationEvents: AsyncSequence, Sendable {
    public typealias Element = GenerationEvent

    private struct State {
        var pending: [GenerationEvent] = []
        /// No more events will come: the producer finished, or the reader went away.
        var ended = false
        /// Thrown to the reader once the events before it were taken.
        var failure: (any Error)?
        /// The reader was cancelled before the producer finished.
        var readerGone = false
        var reader: UnsafeContinuation<Void, Never>?
        var onTermination: (@Sendable () -> Void)?

        mutating func takeReader() -> UnsafeContinuation<Void, Never>? {
            defer { reader = nil }
            return reader
        }
    }

    private let state: Mutex<State>

    /// - Parameter onTermination: called once if the reader is cancelled before the
    ///   producer finished (it stops the generation).
    public init(onTermination: (@Sendable () -> Void)? = nil) {
        state = Mutex(State(onTermination: onTermination))
    }

    /// Events that are all there already (a replayed answer, tests).
    public convenience init(_ events: [GenerationEvent], failure: (any Error)? = nil) {
        self.init()
        for event in events { yield(event) }
        finish(throwing: failure)
    }

    /// Sets what stops the producer when the reader goes away (for a producer made after the
    /// events, such as the task that yields them).
    public func onTermination(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            guard !state.ended else { return state.readerGone }
            state.onTermination = action
            return false
        }
        if runNow { action() }
    }

    // MARK: Producer

    /// Adds an event; dropped once the stream ended.
    public func yield(_ event: GenerationEvent) {
        let reader = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard !state.ended else { return nil }
            state.pending.append(event)
            return state.takeReader()
        }
        reader?.resume()
    }

    /// Ends the events; the reader gets `failure` (if any) after every event before it.
    public func finish(throwing failure: (any Error)? = nil) {
        let reader = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard !state.ended else { return nil }
            state.ended = true
            state.failure = failure
            state.onTermination = nil
            return state.takeReader()
        }
        reader?.resume()
    }

    // MARK: Reader

    /// Waits for at least one event or the end, then appends every pending event to `batch`
    /// in order.
    /// - Returns: false once the events ended and all were taken.
    /// - Throws: the producer's failure, once the events before it were taken;
    ///   `CancellationError` if the reading task is cancelled (the producer is then stopped).
    public func take(into batch: inout [GenerationEvent]) async throws -> Bool {
        while true {
            let outcome = state.withLock { state -> Result<Bool, any Error>? in
                if !state.pending.isEmpty {
                    if batch.isEmpty {
                        swap(&batch, &state.pending)
                    } else {
                        batch += state.pending
                        state.pending.removeAll(keepingCapacity: true)
                    }
                    return .success(true)
                }
                guard state.ended else { return nil }
                if let failure = state.failure {
                    state.failure = nil
                    return .failure(failure)
                }
                return .success(false)
            }
            if let outcome { return try outcome.get() }
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (reader: UnsafeContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        guard state.pending.isEmpty && !state.ended else { return true }
                        state.reader = reader
                        return false
                    }
                    if ready { reader.resume() }
                }
            } onCancel: {
                self.readerCancelled()
            }
        }
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

    /// The reader's task was cancelled: the events end with `CancellationError`, and the
    /// producer is told to stop unless it already finished.
    private func readerCancelled() {
        let (reader, onTermination) = state.withLock { state in
            guard !state.ended else { return (state.takeReader(), nil as (@Sendable () -> Void)?) }
            state.ended = true
            state.readerGone = true
            state.pending.removeAll()
            state.failure = CancellationError()
            defer { state.onTermination = nil }
            return (state.takeReader(), state.onTermination)
        }
        reader?.resume()
        onTermination?()
    }
}
