import Foundation

/// The key store as ``KeyAuthenticator`` needs it (Store's `KeyRepository` implements it).
///
/// Implementations must read the database on every call — no cache — so that revocation,
/// expiry and membership changes take effect on the very next request.
public protocol KeyCredentialLookup: Sendable {
    /// The key whose SHA-256 is `hash`, with its holder's current role; `nil` if unknown.
    func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials?

    /// Records that the key was used successfully at `date`.
    func recordUse(of key: APIKeyID, at date: Date) async throws
}
