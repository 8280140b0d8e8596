import Synchronization

/// Elements from a producer to the one reader that takes them, everything pending at once.
///
/// An `AsyncThrowingStream` hands elements over one at a time, so its reader wakes and works
/// once per element. A reader of this takes every element pending when it runs
/// (``take(into:)``): when elements arrive faster than the reader gets the CPU — many streams
/// on few cores — it handles them together (one write for several tokens), so the busier the
/// server, the less each element costs. Nothing waits for a batch to fill. It carries a
/// generation's events to the response writer (``GenerationEvents``) and an upstream's
/// response to the relay (``UpstreamResponse``); used with concrete elements inside this
/// module, it is specialized: handing an element over looks up no generic metadata.
///
/// One reader at a time: concurrent readers would split the elements between them.
final class HandOff<Element: Sendable>: Sendable {
    private struct State {
        var pending: [Element] = []
        /// No more elements will come: the producer finished, or the reader went away.
        var ended = false
        /// Thrown to the reader once the elements before it were taken.
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

    init() {
        state = Mutex(State())
    }

    /// Sets what stops the producer when the reader goes away (for a producer made after the
    /// hand-off, such as the task that yields to it); runs it at once if the reader is gone.
    func onTermination(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            guard !state.ended else { return state.readerGone }
            state.onTermination = action
            return false
        }
        if runNow { action() }
    }

    /// Adds an element (dropped once the hand-off ended).
    /// - Returns: how many elements are pending now, for a producer that holds back when its
    ///   reader falls behind.
    @discardableResult
    func yield(_ element: Element) -> Int {
        let (reader, pending) = state.withLock { state -> (UnsafeContinuation<Void, Never>?, Int) in
            guard !state.ended else { return (nil, 0) }
            state.pending.append(element)
            return (state.takeReader(), state.pending.count)
        }
        reader?.resume()
        return pending
    }

    /// Ends the elements; the reader gets `failure` (if any) after every element before it.
    func finish(throwing failure: (any Error)? = nil) {
        let reader = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard !state.ended else { return nil }
            state.ended = true
            state.failure = failure
            state.onTermination = nil
            return state.takeReader()
        }
        reader?.resume()
    }

    /// Waits for at least one element or the end, then appends every pending element to
    /// `batch` in order.
    /// - Returns: false once the elements ended and all were taken.
    /// - Throws: the producer's failure, once the elements before it were taken (then the
    ///   end); `CancellationError` if the reading task is cancelled while it waits (the
    ///   producer is then stopped).
    func take(into batch: inout [Element]) async throws -> Bool {
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

    /// The reader's task was cancelled: the elements end with `CancellationError`, and the
    /// producer is told to stop unless it already finished.
    private func readerCancelled() {
        abandon(throwing: CancellationError())
    }

    /// Ends the hand-off as if its reader had gone: pending elements are dropped, the reader
    /// (if it ever comes back) gets `failure`, and the producer is told to stop unless it
    /// already finished.
    func abandon(throwing failure: any Error) {
        let (reader, onTermination) = state.withLock { state in
            guard !state.ended else { return (state.takeReader(), nil as (@Sendable () -> Void)?) }
            state.ended = true
            state.readerGone = true
            state.pending.removeAll()
            state.failure = failure
            defer { state.onTermination = nil }
            return (state.takeReader(), state.onTermination)
        }
        reader?.resume()
        onTermination?()
    }
}
