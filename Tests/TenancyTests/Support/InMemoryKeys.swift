import Foundation
import Synchronization
import Tenancy

/// A key store in memory, for authenticator tests: keys and memberships can be changed
/// between two requests, the way an admin would.
actor InMemoryKeys: KeyCredentialLookup {
    private var records: [String: APIKeyRecord] = [:]
    private var roles: [APIKeyID: Role] = [:]
    private(set) var uses: [APIKeyID: Date] = [:]

    func add(_ secret: APIKeySecret, binding: AccessBinding, role: Role, holderRole: Role?, expiresAt: Date? = nil) -> APIKeyID {
        let id = APIKeyID.random()
        records[secret.hash.hex] = APIKeyRecord(
            id: id, prefix: secret.prefix, hash: secret.hash, name: nil, userID: UserID(rawValue: "usr_alice"),
            binding: binding, role: role, createdAt: Date(timeIntervalSince1970: 0), createdBy: nil,
            expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil)
        roles[id] = holderRole
        return id
    }

    func revoke(_ secret: APIKeySecret, at instant: Date) {
        guard let old = records[secret.hash.hex] else { return }
        records[secret.hash.hex] = APIKeyRecord(
            id: old.id, prefix: old.prefix, hash: old.hash, name: old.name, userID: old.userID, binding: old.binding,
            role: old.role, createdAt: old.createdAt, createdBy: old.createdBy, expiresAt: old.expiresAt,
            revokedAt: instant, lastUsedAt: old.lastUsedAt)
    }

    func setHolderRole(_ role: Role?, of key: APIKeyID) { roles[key] = role }

    func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials? {
        guard let record = records[hash.hex] else { return nil }
        return KeyCredentials(record: record, holderRole: roles[record.id] ?? nil)
    }

    func recordUse(of key: APIKeyID, at date: Date) async throws { uses[key] = date }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let state = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { state.withLock { $0 } }
    func advance(by seconds: TimeInterval) { state.withLock { $0 += seconds } }
}
