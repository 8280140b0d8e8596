import Synchronization

/// The answers under way, so that a stop can end them with a clear error when its grace
/// period is over, rather than cut their connections: a streaming client then reads
/// `server_shutting_down` as the stream's last event, a non-streamed one gets it as a 503.
/// Each generation's record is still written as it ends (flagged `stream.cancelled` or
/// `request.cancelled`, charged what it produced).
///
/// ```swift
/// let id = answers.add { error in events.abandon(throwing: error) }
/// defer { answers.remove(id) }      // when the generation ends; true if `endAll` ended it
/// await answers.endAll(waitingAtMost: .seconds(2))   // at the end of the grace period
/// ```
public final class LiveAnswers: Sendable {
    typealias End = @Sendable (GatewayError) -> Void

    private struct State {
        var next = 0
        var answers: [Int: End] = [:]
        /// Answers `endAll` ended that have not been removed yet.
        var ended: Set<Int> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The error an answer cut off at shutdown ends with (another replica, or this one
    /// restarted, may take the retry).
    public static let shuttingDown = GatewayError(
        .unavailable, "the server is shutting down: this answer was cut off", code: "server_shutting_down", retryAfter: 1)

    /// Registers an answer under way; `end` stops it with the error given.
    func add(_ end: @escaping End) -> Int {
        state.withLock { state in
            state.next += 1
            state.answers[state.next] = end
            return state.next
        }
    }

    /// Forgets an answer that ended; returns whether ``endAll(waitingAtMost:)`` ended it.
    @discardableResult
    func remove(_ id: Int) -> Bool {
        state.withLock { state in
            state.answers.removeValue(forKey: id)
            return state.ended.remove(id) != nil
        }
    }

    public var count: Int { state.withLock { $0.answers.count } }

    /// Ends every answer under way with ``shuttingDown`` (their generations stop and write
    /// their records), then waits until they are done or `limit` has passed.
    public func endAll(waitingAtMost limit: Duration) async {
        let ends = state.withLock { state in
            state.ended.formUnion(state.answers.keys)
            return Array(state.answers.values)
        }
        for end in ends { end(Self.shuttingDown) }
        let deadline = ContinuousClock.now + limit
        while count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
