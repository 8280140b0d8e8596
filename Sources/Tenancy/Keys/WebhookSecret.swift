import Crypto
import Foundation

/// The signing secret of an alert destination: `whsec_` followed by 43 base62 characters
/// (about 256 random bits). Atrium shows it once, when the destination is created, and keeps
/// it to sign every delivery; it is never listed again and never logged.
///
/// A delivery carries `X-Atrium-Timestamp: <unix seconds>` and
/// `X-Atrium-Signature: sha256=<hex>`, where `<hex>` is HMAC-SHA256 keyed with the secret's
/// UTF-8 bytes over `"<timestamp>.<raw body>"` (the scheme of Stripe's webhooks):
///
/// ```swift
/// let secret = WebhookSecret.generate()
/// let header = secret.signature(timestamp: 1_764_000_000, body: Data(#"{"kind":"address_blocked"}"#.utf8))
/// // "sha256=…" — the receiver recomputes it and compares in constant time
/// ```
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public static let marker = "whsec_"
    /// 43 × log2(62) ≈ 256 bits.
    public static let randomCharacters = 43

    /// The secret itself: shown once to whoever created the destination, never logged.
    public let revealed: String

    /// A secret read back from the store.
    public init(stored: String) {
        revealed = stored
    }

    /// A new random secret from the system's cryptographic generator.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(stored: marker + Base62.randomString(count: randomCharacters, using: &generator))
    }

    /// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, the `X-Atrium-Signature` value.
    public func signature(timestamp: Int64, body: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let key = SymmetricKey(data: Data(revealed.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` is the signature of `body` at `timestamp`, compared in constant time
    /// (what a receiver does; Atrium's tests use it too).
    public func verifies(_ header: String, timestamp: Int64, body: Data) -> Bool {
        ConstantTime.equals(Array(header.utf8), Array(signature(timestamp: timestamp, body: body).utf8))
    }

    public var description: String { "\(Self.marker)… (redacted)" }
}
