import Foundation
import Store
import Tenancy

/// The key store as the authenticate stage reads it, through the ``DirectoryCache`` (which
/// every revocation and membership change empties at once, so a revoked key fails on the
/// very next request; expiry is checked against the clock on every request). The key's
/// last-use time — informational only — is handed to the ``AccountingWriter`` instead of
/// costing a disk sync per request.
struct DeferredUseKeyLookup: KeyCredentialLookup {
    let keys: KeyRepository
    let writer: AccountingWriter
    let cache: DirectoryCache

    func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials? {
        try await cache.credentials(matching: hash) { try await keys.credentials(matching: hash) }
    }

    func recordUse(of key: APIKeyID, at date: Date) async throws {
        writer.noteKeyUse(key, at: date)
    }
}
