import Foundation

/// Failed keys per client address and the addresses blocked for them, kept in the database
/// every replica shares (PostgreSQL), so a block raised through one replica refuses the
/// address at every replica's next request, and failures through all of them count towards
/// one threshold. Each method is one call of a database function: one round trip.
public struct SharedAddressBlocks: Sendable {
    let backend: PostgresBackend

    /// When the address's block ends, or `nil` if it is not blocked at `date`.
    public func blockedUntil(_ address: String, at date: Date) async throws -> Date? {
        let rows = try await backend.statement(
            "SELECT atrium_address_blocked(?, ?) AS until_ms", [address, Self.milliseconds(date)])
        return try rows.first?.decode(Int64?.self, forColumn: "until_ms").map {
            Date(timeIntervalSince1970: Double($0) / 1000)
        }
    }

    /// Counts one failed key from `address`; `true` when it is the one that blocks the address
    /// (once per block, whichever replica it reached: failures while blocked are not counted).
    public func noteFailure(
        from address: String, at date: Date, window: TimeInterval, threshold: Int, blockFor: TimeInterval
    ) async throws -> Bool {
        let rows = try await backend.statement(
            "SELECT atrium_address_failure(?, ?, ?, ?, ?) AS blocks",
            [address, Self.milliseconds(date), Int64(window * 1000), threshold, Int64(blockFor * 1000)])
        return try rows.first?.decode(Bool.self, forColumn: "blocks") ?? false
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
