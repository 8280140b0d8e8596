import Foundation
import Synchronization
import Testing

@testable import Inference

@Suite struct ThreadPoolTests {
    /// Each worker index of each job runs exactly once, whichever thread takes it — also when the
    /// machine is oversubscribed, so that workers are descheduled and the caller takes their
    /// shares (the claim is contested in both directions).
    @Test(arguments: [2, 3, 5])
    func everyIndexRunsExactlyOncePerJob(threads: Int) {
        let pool = ThreadPool(threads: threads)
        let jobs = 3_000
        let counts = Mutex([Int](repeating: 0, count: threads))
        let stop = Atomic<Bool>(false)
        let spinners = (0..<4).map { _ in
            let thread = Thread { while !stop.load(ordering: .relaxed) {} }
            thread.start()
            return thread
        }
        defer { stop.store(true, ordering: .relaxed) }
        _ = spinners
        for job in 0..<jobs {
            pool.parallel { worker, workers in
                #expect(workers == threads)
                counts.withLock { $0[worker] += 1 }
                // Every few jobs a share lasts long enough for a sleeping worker to wake up.
                if job % 97 == 0 { Thread.sleep(forTimeInterval: 0.0002) }
            }
        }
        #expect(counts.withLock { $0 } == [Int](repeating: jobs, count: threads))
    }

    /// A job's results are complete when `parallel` returns, whoever ran each share: the sum
    /// written by the shares equals the serial sum.
    @Test func resultsAreVisibleWhenParallelReturns() {
        let pool = ThreadPool(threads: 2)
        let count = 10_001
        let values = (0..<count).map { Double($0 % 13) }
        let expected = values.reduce(0, +)
        for _ in 0..<500 {
            var partial = [Double](repeating: 0, count: 2)
            partial.withUnsafeMutableBufferPointer { partial in
                pool.parallel { worker, workers in
                    var sum = 0.0
                    for index in ThreadPool.share(of: count, worker: worker, workers: workers) { sum += values[index] }
                    partial[worker] = sum
                }
            }
            #expect(partial.reduce(0, +) == expected)
        }
    }

    @Test func sharesCoverTheRangeOnceInOrder() {
        for count in [0, 1, 7, 64, 1_001] {
            for workers in 1...6 {
                let shares = (0..<workers).map { ThreadPool.share(of: count, worker: $0, workers: workers) }
                #expect(shares.flatMap { Array($0) } == Array(0..<count))
                #expect(shares.map(\.count).max()! - shares.map(\.count).min()! <= 1)
            }
        }
    }
}
