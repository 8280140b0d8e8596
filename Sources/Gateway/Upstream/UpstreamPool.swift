import Logging
import Synchronization

/// Several upstream servers of one model as one backend: each request goes to the healthy
/// upstream with the fewest requests outstanding, and a request that fails before any of its
/// text arrived is sent to the next one — never once text went to the client, so a client
/// never sees an answer twice.
///
/// An upstream is ejected when a request to it fails in a way that says the server is down
/// (unreachable, timed out, a 5xx) or when its health check fails, and returns when a health
/// check (``checkHealth()``, every ``healthCheckInterval`` once ``startHealthChecks()`` ran)
/// succeeds again. With every upstream ejected, requests still try them all — a check may lag.
///
/// ```swift
/// let pool = UpstreamPool(model: "llama", members: [gpu0, gpu1], logger: logger)
/// pool.startHealthChecks()
/// ```
public final class UpstreamPool: InlineGenerating {
    /// The model id the pool serves.
    public let model: String
    public let healthCheckInterval: Duration
    let members: [Member]
    /// How many upstreams the pool has.
    public var size: Int { members.count }
    private let logger: Logger
    private let rotation = Atomic<Int>(0)
    private let checker = Mutex<Task<Void, Never>?>(nil)
    /// Told the number of healthy upstreams whenever one is ejected or returns.
    private let healthObservers = Mutex<[@Sendable (Int) -> Void]>([])

    /// One upstream of the pool and its counters.
    final class Member: Sendable {
        let backend: UpstreamBackend
        let index: Int
        let outstanding = Atomic<Int>(0)
        let healthy = Atomic<Bool>(true)
        let requests = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let failovers = Atomic<Int>(0)
        /// Microseconds from sending a request to its first event, summed over `requests`.
        let firstEventMicroseconds = Atomic<Int>(0)

        init(backend: UpstreamBackend, index: Int) {
            self.backend = backend
            self.index = index
        }
    }

    public init(
        model: String, members: [UpstreamBackend], healthCheckInterval: Duration = .seconds(2),
        logger: Logger = Logger(label: "atrium.upstream")
    ) {
        precondition(!members.isEmpty, "a pool needs at least one upstream")
        self.model = model
        self.members = members.enumerated().map { Member(backend: $1, index: $0) }
        self.healthCheckInterval = healthCheckInterval
        self.logger = logger
    }

    /// Checks every upstream's health now, ejecting the failing ones and returning the
    /// recovered ones.
    public func checkHealth() async {
        await withTaskGroup(of: Void.self) { group in
            for member in members {
                group.addTask {
                    let healthy = await member.backend.isHealthy(timeout: .seconds(2))
                    self.mark(member, healthy: healthy, reason: "health check")
                }
            }
        }
    }

    /// Checks every ``healthCheckInterval`` until ``shutdown()``.
    public func startHealthChecks() {
        let interval = healthCheckInterval
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                await self.checkHealth()
            }
        }
        checker.withLock { $0 = task }
    }

    /// Stops the health checks and closes every upstream's connections.
    public func shutdown() async {
        checker.withLock { $0?.cancel() }
        for member in members { try? await member.backend.shutdown() }
    }

    /// How many upstreams are up now.
    public var healthyCount: Int { members.count { $0.healthy.load(ordering: .relaxed) } }

    /// Calls `observer` with ``healthyCount`` whenever an upstream is ejected or returns (the
    /// scheduler in front sizes its budget by it).
    public func observeHealth(_ observer: @escaping @Sendable (_ healthy: Int) -> Void) {
        healthObservers.withLock { $0.append(observer) }
    }

    /// Each upstream's state, for metrics and `/readyz`.
    public var upstreams: [UpstreamStatus] {
        members.map { member in
            let requests = member.requests.load(ordering: .relaxed)
            return UpstreamStatus(
                model: model, index: member.index, healthy: member.healthy.load(ordering: .relaxed),
                inFlight: member.outstanding.load(ordering: .relaxed), requests: requests,
                errors: member.errors.load(ordering: .relaxed), failovers: member.failovers.load(ordering: .relaxed),
                meanFirstEventSeconds: requests == 0
                    ? 0 : Double(member.firstEventMicroseconds.load(ordering: .relaxed)) / Double(requests) / 1e6)
        }
    }

    public func generate(_ request: GenerationRequest, into sink: (GenerationEvent) -> Void) async throws {
        try await withFailover { member, sent, relayed in
            try await member.backend.generate(request) { event in
                if !relayed {
                    relayed = true
                    record(member, firstEventAfter: sent)
                }
                sink(event)
            }
        }
    }

    public func complete(_ request: GenerationRequest) async throws -> ChatCompletion {
        try await withFailover { member, sent, _ in
            let completion = try await member.backend.complete(request)
            record(member, firstEventAfter: sent)
            return completion
        }
    }

    /// Runs `attempt` on the upstream `pick` chooses and, when that upstream turns out to be
    /// down, on the next — unless `attempt` has set `relayed` (part of the answer reached the
    /// client: another upstream would generate it twice).
    private func withFailover<T>(
        _ attempt: (Member, _ sent: ContinuousClock.Instant, _ relayed: inout Bool) async throws -> T
    ) async throws -> T {
        var tried: Set<Int> = []
        var lastError: any Error = BackendError.unreachable("no upstream of '\(model)' is reachable")
        while let member = pick(excluding: tried) {
            tried.insert(member.index)
            member.outstanding.add(1, ordering: .relaxed)
            defer { member.outstanding.subtract(1, ordering: .relaxed) }
            var relayed = false
            do {
                return try await attempt(member, .now, &relayed)
            } catch {
                lastError = error
                guard !Task.isCancelled else { break }
                member.errors.add(1, ordering: .relaxed)
                guard Self.meansServerDown(error) else { break }
                mark(member, healthy: false, reason: "request failed")
                guard !relayed else { throw error }
                member.failovers.add(1, ordering: .relaxed)
            }
        }
        throw unavailable(after: lastError)
    }

    /// With every upstream down (a restarting engine, say), a 503 with `Retry-After` rather
    /// than the last upstream's transport error: the client should simply try again shortly.
    private func unavailable(after error: any Error) -> any Error {
        guard Self.meansServerDown(error), !members.contains(where: { $0.healthy.load(ordering: .relaxed) }) else {
            return error
        }
        return BackendError.busy("no upstream of the model '\(model)' is up at the moment; try again shortly")
    }

    /// The healthy upstream with the fewest outstanding requests among those not `tried`
    /// (ties taken in turn); with none healthy, any not tried.
    func pick(excluding tried: Set<Int>) -> Member? {
        let untried = members.filter { !tried.contains($0.index) }
        guard !untried.isEmpty else { return nil }
        let healthy = untried.filter { $0.healthy.load(ordering: .relaxed) }
        let candidates = healthy.isEmpty ? (tried.isEmpty ? untried : []) : healthy
        guard !candidates.isEmpty else { return nil }
        let start = rotation.add(1, ordering: .relaxed).newValue
        var best: Member?
        var fewest = Int.max
        for offset in 0..<candidates.count {
            let member = candidates[(start + offset) % candidates.count]
            let outstanding = member.outstanding.load(ordering: .relaxed)
            if outstanding < fewest {
                fewest = outstanding
                best = member
            }
        }
        return best
    }

    private func record(_ member: Member, firstEventAfter sent: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - sent).components
        member.requests.add(1, ordering: .relaxed)
        member.firstEventMicroseconds.add(Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000), ordering: .relaxed)
    }

    private func mark(_ member: Member, healthy: Bool, reason: String) {
        guard member.healthy.exchange(healthy, ordering: .relaxed) != healthy else { return }
        let metadata: Logger.Metadata = [
            "upstream.model": "\(model)", "upstream.index": "\(member.index)", "reason": "\(reason)",
        ]
        if healthy {
            logger.notice("upstream is back in the pool", metadata: metadata)
        } else {
            logger.warning("upstream ejected from the pool", metadata: metadata)
        }
        // Counted and told under the lock, so the last word is the state after every change.
        healthObservers.withLock { observers in
            let count = healthyCount
            for observer in observers { observer(count) }
        }
    }

    /// Errors that say the upstream itself is down or overwhelmed, not that the request is bad.
    /// Not a timeout: the engine took the request and may still be generating it (a long
    /// answer, not streamed, is silent until it is whole) — another upstream would generate it
    /// twice, and a hung engine is the health check's to find. A connection never made is
    /// ``BackendError/unreachable``.
    static func meansServerDown(_ error: any Error) -> Bool {
        switch error as? BackendError {
        case .unreachable: true
        case .timedOut: false
        case let .rejected(status, _): status >= 500 || status == 429
        case .malformedResponse, .invalidRequest, .busy, .withdrawn, nil: false
        }
    }
}

/// One upstream's state: up or ejected, requests in flight, and counts since start.
public struct UpstreamStatus: Sendable, Hashable {
    public let model: String
    /// Its position among the `--upstream` flags of its model, from 0.
    public let index: Int
    public let healthy: Bool
    public let inFlight: Int
    public let requests: Int
    public let errors: Int
    public let failovers: Int
    public let meanFirstEventSeconds: Double
}
