import Crypto

/// The SHA-256 of an API key: the only form in which a key is ever stored.
///
/// Deliberately not `Equatable`: compare with ``constantTimeEquals(_:)``.
public struct APIKeyHash: Sendable {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// Hashes a presented or newly generated key.
    public init(of key: String) {
        bytes = Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// Reads the lowercase hex form kept in the database; `nil` unless it is 64 hex digits.
    public init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    /// Lowercase hex, 64 digits: what the database indexes.
    public var hex: String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// Equality in constant time (see ``ConstantTime``).
    public func constantTimeEquals(_ other: APIKeyHash) -> Bool {
        ConstantTime.equals(bytes, other.bytes)
    }
}

extension APIKeyHash: Hashable {
    /// Hash-table equality only; authentication uses ``constantTimeEquals(_:)``.
    public static func == (lhs: APIKeyHash, rhs: APIKeyHash) -> Bool { lhs.constantTimeEquals(rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}
