#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU time the calling thread spends on synchronous work. Linearity tests compare the
/// cost of n and 8n bytes; by wall clock, a CI machine running every suite at once on two
/// cores preempts one measurement and not the other (CI saw 34 for a linear parser against a
/// bound of 32), while the thread's own CPU time counts only the work.
public enum ThreadCPUTime {
    public static func seconds(of work: () throws -> Void) rethrows -> Double {
        let start = now()
        try work()
        return now() - start
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
