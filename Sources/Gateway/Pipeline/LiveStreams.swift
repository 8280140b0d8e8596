import Synchronization

/// The streamed answers under way, so that a stop can end them with a clear error when its
/// grace period is over, rather than cut their connections mid-chunk: a client then reads
/// `server_shutting_down` as the stream's last event (a non-streamed request still running
/// is cut with its connection). Each generation's record is still written as it ends (flagged
/// `stream.cancelled`, charged what it produced).
///
/// ```swift
/// let id = streams.add(events)
/// defer { streams.remove(id) }      // when the generation's task ends
/// await streams.endAll(waitingAtMost: .seconds(2))   // at the end of the grace period
/// ```
public final class LiveStreams: Sendable {
    private struct State {
        var next = 0
        var streams: [Int: GenerationEvents] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The error a stream cut off at shutdown ends with.
    public static let shuttingDown = GatewayError(
        .unavailable, "the server is shutting down: this answer was cut off", code: "server_shutting_down")

    func add(_ events: GenerationEvents) -> Int {
        state.withLock { state in
            state.next += 1
            state.streams[state.next] = events
            return state.next
        }
    }

    func remove(_ id: Int) {
        state.withLock { _ = $0.streams.removeValue(forKey: id) }
    }

    public var count: Int { state.withLock { $0.streams.count } }

    /// Ends every stream under way with ``shuttingDown`` (their generations stop and write
    /// their records), then waits until their tasks are done or `limit` has passed.
    public func endAll(waitingAtMost limit: Duration) async {
        let streams = state.withLock { Array($0.streams.values) }
        for events in streams { events.abandon(throwing: Self.shuttingDown) }
        let deadline = ContinuousClock.now + limit
        while count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
