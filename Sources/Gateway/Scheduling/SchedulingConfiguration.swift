/// The in-flight budget and queue limits of a ``FairAdmission`` in front of a backend.
///
/// `concurrency` should equal the slots the engine really has (llama-server `--parallel`,
/// vLLM `--max-num-seqs`): more and the engine queues requests first-come first-served behind
/// the gateway's back (unfair again); fewer and slots stay idle.
public struct SchedulingConfiguration: Sendable, Hashable {
    /// The upstream's default budget: what a GPU engine serves in parallel comfortably.
    public static let defaultConcurrency = 64

    /// Requests in flight at most, the reserve included.
    public let concurrency: Int
    /// Of `concurrency`, the slots only a team below its fair share may take while several
    /// teams have work (a team alone never takes them).
    public let reserved: Int
    /// Longest wait for a slot before the request is refused (503, `Retry-After`).
    public let queueTimeout: Duration
    /// Requests that may wait at once; more are refused at once.
    public let maximumQueued: Int

    /// - Parameter reserved: by default one slot in 32 (at least one when there are two or
    ///   more), so another team's request starts at once beside a flood. A team alone never
    ///   takes the reserve, so it idles while only one team has work: a small reserve costs
    ///   a lone team little of a big engine (2 of 64 slots) and still starts the next team's
    ///   first requests at once; slots free up often on a big engine for the ones after.
    public init(
        concurrency: Int = defaultConcurrency, reserved: Int? = nil, queueTimeout: Duration = .seconds(60),
        maximumQueued: Int = 1024
    ) throws(BackendError) {
        guard (1...100_000).contains(concurrency) else {
            throw .invalidRequest("the upstream concurrency must be 1 to 100000, not \(concurrency)")
        }
        let reserved = reserved ?? (concurrency >= 2 ? max(1, concurrency / 32) : 0)
        guard (0..<concurrency).contains(reserved) else {
            throw .invalidRequest("the reserved slots must be 0 to the concurrency minus one, not \(reserved)")
        }
        guard queueTimeout > .zero else { throw .invalidRequest("the queue timeout must be positive") }
        guard maximumQueued >= 0 else { throw .invalidRequest("the queue limit must not be negative") }
        self.concurrency = concurrency
        self.reserved = reserved
        self.queueTimeout = queueTimeout
        self.maximumQueued = maximumQueued
    }
}
