import Foundation

/// The key store as ``KeyAuthenticator`` needs it (Store's `KeyRepository` implements it).
///
/// Implementations must answer with the current state, so that revocation, expiry and
/// membership changes take effect on the very next request: read the database on every call,
/// or cache only what every such change invalidates before it answers (the gateway's
/// `DirectoryCache` does that, and checks expiry against the clock on every request).
public protocol KeyCredentialLookup: Sendable {
    /// The key whose SHA-256 is `hash`, with its holder's current role; `nil` if unknown.
    func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials?

    /// Records that the key was used successfully at `date`.
    func recordUse(of key: APIKeyID, at date: Date) async throws
}
