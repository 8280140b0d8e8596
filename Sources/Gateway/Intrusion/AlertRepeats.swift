import Foundation
import Synchronization

/// Folds repeats of one alert — the same kind, raised by the same key (or address), about the
/// same target, saying the same — within ``window`` of the one recorded. The first is recorded
/// at once; repeats are only counted, and the first one after the window is recorded saying
/// how many were folded before it. Without this one key flooded its targets' alert lists (a
/// thousand cross-team attempts in eight seconds pushed a revoked-key alert out of reach) and
/// their webhooks. Metrics (`atrium_alerts_total`) and the audit still count every one.
final class AlertRepeats: Sendable {
    static let window: TimeInterval = 60
    /// Signatures kept at most; past it, expired ones are dropped, and if none has expired a
    /// new signature is recorded without being tracked (never folded, never lost).
    static let maximumTracked = 10_000

    private struct Entry {
        var recordedAt: Date
        var folded: Int
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// How many repeats the alert with `signature` raised at `now` stands for when it is to be
    /// recorded (0: none), or `nil` when it is folded into the one recorded before it.
    func admit(_ signature: String, at now: Date) -> Int? {
        entries.withLock { entries in
            if var entry = entries[signature], now.timeIntervalSince(entry.recordedAt) < Self.window {
                entry.folded += 1
                entries[signature] = entry
                return nil
            }
            let folded = entries[signature]?.folded ?? 0
            if entries[signature] == nil, entries.count >= Self.maximumTracked {
                entries = entries.filter { now.timeIntervalSince($0.value.recordedAt) < Self.window }
            }
            if entries[signature] != nil || entries.count < Self.maximumTracked {
                entries[signature] = Entry(recordedAt: now, folded: 0)
            }
            return folded
        }
    }
}
