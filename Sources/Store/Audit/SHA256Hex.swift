import Crypto

/// Lowercase hex SHA-256 of text, the form the audit chain stores.
enum SHA256Hex {
    static func of(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// The `prev_hash` of the first record.
    static let genesis = String(repeating: "0", count: 64)
}
