import Foundation
import Synchronization

/// A clock that stands still until a test moves it: limits and blocks measured against it are
/// exact, whatever the machine's load.
final class ManualClock: Sendable {
    private let instant: Mutex<Date>

    /// Starts at `start` (by default mid-month, far from any month's edge).
    init(_ start: Date = Date(timeIntervalSince1970: 1_789_000_000)) {
        instant = Mutex(start)
    }

    var now: Date { instant.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        instant.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func set(_ date: Date) {
        instant.withLock { $0 = date }
    }
}
