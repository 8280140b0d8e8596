import Crypto
import Foundation

/// Lowercase hex SHA-256 of a document's bytes: what decides whether a re-ingested document
/// changed.
public enum ContentHash {
    public static func of(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}
