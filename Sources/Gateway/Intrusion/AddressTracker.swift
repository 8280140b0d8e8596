import Foundation
import Synchronization

/// Failed keys per client address, and the addresses blocked for presenting too many.
final class AddressTracker: Sendable {
    /// Above this many addresses, those with no recent failure and no block are forgotten.
    static let pruningThreshold = 50_000

    private struct Record {
        /// Seconds since 1970 of the failures within the window, oldest first (at most the
        /// number that triggers a block).
        var failures: [TimeInterval] = []
        var blockedUntil: TimeInterval?
    }

    private let policy: IntrusionPolicy
    private let records = Mutex<[String: Record]>([:])

    init(policy: IntrusionPolicy) {
        self.policy = policy
    }

    /// Whole seconds the address stays blocked (at least 1), or `nil` if it is not blocked.
    func remainingBlock(of address: String, at date: Date) -> Int? {
        let now = date.timeIntervalSince1970
        return records.withLock { records in
            guard let until = records[address]?.blockedUntil, until > now else { return nil }
            return max(1, Int((until - now).rounded(.up)))
        }
    }

    /// Counts one failed key from `address`; returns `true` when it is the one that blocks the
    /// address (once per block: failures while blocked are not counted).
    func noteFailure(from address: String, at date: Date) -> Bool {
        let now = date.timeIntervalSince1970
        let window = TimeInterval(policy.windowSeconds)
        return records.withLock { records in
            var record = records[address] ?? Record()
            if let until = record.blockedUntil, until > now { return false }
            record.blockedUntil = nil
            record.failures.removeAll { $0 <= now - window }
            record.failures.append(now)
            let blocks = record.failures.count >= policy.failuresBeforeBlock
            if blocks {
                record.blockedUntil = now + TimeInterval(policy.blockSeconds)
                record.failures = []
            }
            records[address] = record
            if records.count > Self.pruningThreshold { Self.prune(&records, now: now, window: window) }
            return blocks
        }
    }

    private static func prune(_ records: inout [String: Record], now: TimeInterval, window: TimeInterval) {
        records = records.filter { _, record in
            (record.blockedUntil ?? 0) > now || (record.failures.last ?? 0) > now - window
        }
    }
}
