import CKernels
import Foundation
import Synchronization

/// A persistent pool of worker threads for data-parallel kernels (DESIGN §5: never a task per row).
///
/// `parallel` runs one closure on every worker at once, the calling thread being worker 0, and
/// returns when all are done. Workers spin briefly between jobs, since a forward pass posts
/// hundreds of jobs a few microseconds apart, then sleep so an idle server costs no CPU.
///
/// ```swift
/// let pool = ThreadPool(threads: 2)
/// pool.parallel { worker, workers in
///     for row in ThreadPool.share(of: rows, worker: worker, workers: workers) { … }
/// }
/// ```
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let condition = NSCondition()
    private let dispatchLock = NSLock()
    private var stopping = false
    /// The current job; written by the dispatcher before `generation` is bumped.
    private var job: ((Int) -> Void)?
    private var threads: [Thread] = []

    /// Spins (about 50–100 µs) before a worker sleeps.
    private static let spinLimit = 20_000
    /// Spins before the dispatching thread starts yielding while it waits for the workers.
    private static let joinSpinLimit = 4_000

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        threadCount = max(1, threads)
        for index in 1..<threadCount {
            let thread = Thread { [unowned self] in self.work(index: index) }
            thread.name = "atrium-worker-\(index)"
            thread.stackSize = 1 << 20
            self.threads.append(thread)
            thread.start()
        }
    }

    deinit {
        condition.lock()
        stopping = true
        generation.add(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
        while remaining.load(ordering: .acquiring) > 0 || sleepers.load(ordering: .acquiring) > 0 {
            condition.lock(); condition.broadcast(); condition.unlock()
            sched_yield()
        }
    }

    /// Runs `body(worker, workers)` on every worker; returns when all have finished.
    public func parallel(_ body: (_ worker: Int, _ workers: Int) -> Void) {
        let workers = threadCount
        if workers == 1 { body(0, 1); return }
        dispatchLock.lock()
        defer { dispatchLock.unlock() }
        withoutActuallyEscaping(body) { body in
            job = { worker in body(worker, workers) }
            remaining.store(workers - 1, ordering: .releasing)
            condition.lock()
            generation.add(1, ordering: .acquiringAndReleasing)
            if sleepers.load(ordering: .relaxed) > 0 { condition.broadcast() }
            condition.unlock()
            body(0, workers)
            // When the machine is oversubscribed a worker may be descheduled: after a short spin,
            // yield the core instead of burning the time slice it needs.
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins < Self.joinSpinLimit { atrium_cpu_relax() } else { sched_yield() }
            }
            job = nil
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

    private func work(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinLimit { atrium_cpu_relax(); continue }
                condition.lock()
                sleepers.add(1, ordering: .relaxed)
                while generation.load(ordering: .acquiring) == seen { condition.wait() }
                sleepers.subtract(1, ordering: .relaxed)
                condition.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping { return }
            job?(index)
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
