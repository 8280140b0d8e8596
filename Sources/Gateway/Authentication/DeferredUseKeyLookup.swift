import Foundation
import Store
import Tenancy

/// The key store as the authenticate stage reads it: every lookup goes to the database (so a
/// revoked or expired key fails on the very next request), while the key's last-use time —
/// informational only — is handed to the ``AccountingWriter`` instead of costing a disk sync
/// per request.
struct DeferredUseKeyLookup: KeyCredentialLookup {
    let keys: KeyRepository
    let writer: AccountingWriter

    func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials? {
        try await keys.credentials(matching: hash)
    }

    func recordUse(of key: APIKeyID, at date: Date) async throws {
        writer.noteKeyUse(key, at: date)
    }
}
