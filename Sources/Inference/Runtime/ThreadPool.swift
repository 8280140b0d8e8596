import CKernels
import Foundation
import Synchronization

/// A persistent pool of worker threads for data-parallel kernels (DESIGN §5: never a task per row).
///
/// `parallel` runs one closure for every worker index at once, the calling thread being worker
/// 0, and returns when all are done. Workers spin briefly between jobs, since a forward pass
/// posts hundreds of jobs a few microseconds apart, then sleep so an idle server costs no CPU.
///
/// Each index runs exactly once, but not always on its own thread: a thread claims an index
/// before running it, and the calling thread, done with its own share, claims and runs the
/// shares of workers that have not started yet. On a busy machine a descheduled worker would
/// otherwise hold up every job for a whole time slice (a forward pass posts hundreds);
/// with the claim, the caller does that share itself and the pass goes on.
///
/// ```swift
/// let pool = ThreadPool(threads: 2)
/// pool.parallel { worker, workers in
///     for row in ThreadPool.share(of: rows, worker: worker, workers: workers) { … }
/// }
/// ```
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    /// What the workers share with the dispatcher. The workers hold it strongly, so it outlives
    /// the pool until every worker has seen the stop and returned.
    private let shared: Shared
    private let dispatchLock = NSLock()

    /// Spins (about 50–100 µs) before a worker sleeps.
    private static let spinLimit = 20_000
    /// Spins before the dispatching thread starts yielding while it waits for the workers.
    private static let joinSpinLimit = 4_000

    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let remaining = Atomic<Int>(0)
        let sleepers = Atomic<Int>(0)
        /// Bit `i` set once worker index `i` of the current job is taken (by its own thread or
        /// by the caller). Indices from 64 up are never taken by the caller.
        let claimed = Atomic<UInt64>(0)
        let stopping = Atomic<Bool>(false)
        let condition = NSCondition()
        /// The current job; written by the dispatcher before `generation` is bumped.
        var job: ((Int) -> Void)?
    }

    /// The cores this process may run on: the CPUs its affinity mask allows (`taskset`,
    /// systemd's `CPUAffinity=`, `numactl`, a container's cpuset), and no more than Foundation
    /// counts (which honours a cgroup quota but not the mask). A pool with more threads than
    /// that spins workers against each other on the same core: measured, a 2-thread pool on
    /// one allowed core decoded at 0.55× the speed of a 1-thread pool.
    public static var availableCores: Int {
        let counted = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let allowed = Int(atrium_allowed_cpus())
        return allowed > 0 ? min(counted, allowed) : counted
    }

    public init(threads: Int = ThreadPool.availableCores) {
        threadCount = max(1, threads)
        shared = Shared()
        for index in 1..<threadCount {
            let shared = shared
            let thread = Thread { Self.work(index: index, shared: shared) }
            thread.name = "atrium-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        shared.condition.lock()
        shared.stopping.store(true, ordering: .releasing)
        shared.generation.add(1, ordering: .releasing)
        shared.condition.broadcast()
        shared.condition.unlock()
    }

    /// Runs `body(worker, workers)` on every worker; returns when all have finished.
    public func parallel(_ body: (_ worker: Int, _ workers: Int) -> Void) {
        let workers = threadCount
        if workers == 1 { body(0, 1); return }
        dispatchLock.lock()
        defer { dispatchLock.unlock() }
        let shared = shared
        withoutActuallyEscaping(body) { body in
            shared.job = { worker in body(worker, workers) }
            shared.remaining.store(workers - 1, ordering: .releasing)
            shared.claimed.store(1, ordering: .releasing)
            shared.condition.lock()
            shared.generation.add(1, ordering: .acquiringAndReleasing)
            if shared.sleepers.load(ordering: .relaxed) > 0 { shared.condition.broadcast() }
            shared.condition.unlock()
            body(0, workers)
            for worker in 1..<min(workers, 64) where Self.claim(worker, shared) {
                body(worker, workers)
                shared.remaining.subtract(1, ordering: .releasing)
            }
            // When the machine is oversubscribed a worker may be descheduled: after a short spin,
            // yield the core instead of burning the time slice it needs.
            var spins = 0
            while shared.remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins < Self.joinSpinLimit { atrium_cpu_relax() } else { sched_yield() }
            }
            shared.job = nil
        }
    }

    /// The contiguous share of `0..<count` that `worker` of `workers` takes.
    @inline(__always)
    public static func share(of count: Int, worker: Int, workers: Int) -> Range<Int> {
        let base = count / workers
        let extra = count % workers
        let start = worker * base + min(worker, extra)
        return start..<(start + base + (worker < extra ? 1 : 0))
    }

    private static func work(index: Int, shared: Shared) {
        var seen = 0
        while true {
            var spins = 0
            while shared.generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < spinLimit { atrium_cpu_relax(); continue }
                shared.condition.lock()
                shared.sleepers.add(1, ordering: .relaxed)
                while shared.generation.load(ordering: .acquiring) == seen { shared.condition.wait() }
                shared.sleepers.subtract(1, ordering: .relaxed)
                shared.condition.unlock()
            }
            seen = shared.generation.load(ordering: .acquiring)
            if shared.stopping.load(ordering: .acquiring) { return }
            // The job is read only after the claim: a claim that fails means the caller ran this
            // share (and may already be setting up the next job).
            guard index >= 64 || claim(index, shared) else { continue }
            shared.job?(index)
            shared.remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Takes worker index `index` of the current job; false when another thread already has.
    @inline(__always)
    private static func claim(_ index: Int, _ shared: Shared) -> Bool {
        let bit = UInt64(1) << UInt64(index)
        return shared.claimed.bitwiseOr(bit, ordering: .acquiringAndReleasing).oldValue & bit == 0
    }
}
