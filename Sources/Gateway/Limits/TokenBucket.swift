import Foundation

/// A token bucket: holds up to `capacity` tokens and refills at `capacity` per minute, so a
/// per-minute limit allows a burst of its whole size and then its steady rate.
///
/// The level may go below zero: a request larger than the whole bucket is let through when
/// the bucket is full (otherwise it could never run) and the debt is paid back by the
/// refill before anything else fits; a charge settled above its estimate does the same.
struct TokenBucket: Sendable, Hashable {
    private(set) var capacity: Double
    private(set) var level: Double
    /// Seconds since 1970 of the last refill.
    private var refilledAt: TimeInterval

    /// A full bucket for a per-minute limit.
    init(perMinute limit: Int, now: TimeInterval) {
        capacity = Double(limit)
        level = capacity
        refilledAt = now
    }

    private var perSecond: Double { capacity / 60 }

    /// Refill arithmetic is in floating point: 20 s at 3 per minute must earn a whole request,
    /// not 0.9999999999999999 of one.
    private static let tolerance = 1e-9

    /// Adds what the time since the last refill earned, and follows a changed limit at once:
    /// a raised limit adds its extra room now, a lowered one caps the level.
    mutating func refill(perMinute limit: Int, now: TimeInterval) {
        let newCapacity = Double(limit)
        if newCapacity > capacity { level += newCapacity - capacity }
        capacity = newCapacity
        // A clock that went backwards earns nothing (and does not block later refills).
        let elapsed = max(0, now - refilledAt)
        level = min(capacity, level + elapsed * perSecond)
        refilledAt = now
    }

    /// What `amount` must find in the bucket: all of it, or a full bucket for a request
    /// larger than the bucket.
    private func required(_ amount: Double) -> Double { min(amount, capacity) }

    func admits(_ amount: Double) -> Bool { level + Self.tolerance >= required(amount) }

    /// Whole seconds until `amount` would be admitted (at least 1).
    func secondsUntilAdmits(_ amount: Double) -> Int {
        let missing = required(amount) - level
        guard missing > 0, perSecond > 0 else { return 1 }
        return max(1, Int((missing / perSecond - Self.tolerance).rounded(.up)))
    }

    mutating func take(_ amount: Double) { level -= amount }

    /// Gives back (or, with a negative amount, takes more); never above capacity.
    mutating func giveBack(_ amount: Double) { level = min(capacity, level + amount) }

    /// Whether the bucket is full: forgetting it changes nothing.
    var isFull: Bool { level >= capacity }
}
