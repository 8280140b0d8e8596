import Foundation
import Store

/// Where intrusion detection counts failed keys per client address and keeps its blocks: this
/// process's memory (``AddressTracker``, the embedded store) or the database every replica
/// shares (``SharedAddressTracker``, PostgreSQL), so a block raised through one replica refuses
/// the address at every replica's next request.
protocol AddressBlocks: Sendable {
    /// Whole seconds the address stays blocked (at least 1), or `nil` if it is not blocked.
    func remainingBlock(of address: String, at date: Date) async throws -> Int?

    /// Counts one failed key from `address`; returns `true` when it is the one that blocks the
    /// address (once per block, whichever replica it reached).
    func noteFailure(from address: String, at date: Date) async throws -> Bool
}

extension AddressTracker: AddressBlocks {}

/// The address blocks of the PostgreSQL store, under this server's ``IntrusionPolicy``.
struct SharedAddressTracker: AddressBlocks {
    let blocks: SharedAddressBlocks
    let policy: IntrusionPolicy

    func remainingBlock(of address: String, at date: Date) async throws -> Int? {
        guard let until = try await blocks.blockedUntil(address, at: date) else { return nil }
        return max(1, Int(until.timeIntervalSince(date).rounded(.up)))
    }

    func noteFailure(from address: String, at date: Date) async throws -> Bool {
        try await blocks.noteFailure(
            from: address, at: date, window: TimeInterval(policy.windowSeconds), threshold: policy.failuresBeforeBlock,
            blockFor: TimeInterval(policy.blockSeconds))
    }
}
