import Foundation
import Tenancy

extension AtriumStore {
    /// The name the bootstrap owner user gets.
    public static let ownerUserName = "owner"

    /// On a database without a platform owner, creates the owner user and its platform key,
    /// and returns that key — the only time it is ever visible. With `presetKey`
    /// (`ATRIUM_ADMIN_KEY`), that value becomes the owner key. Returns `nil` when an owner
    /// already exists (the preset is then ignored: the owner's keys are managed via the API).
    ///
    /// This is the one write that needs no ``Grant``: there is nobody yet to grant it.
    public func bootstrapOwnerIfEmpty(presetKey: String?, now: Date = Date()) async throws -> String? {
        let secret = try presetKey.map { key throws(KeyFormatError) in try APIKeySecret(preset: key) } ?? .generate()
        return try await backend.write { db in
            let hasOwner = try db.exists("SELECT EXISTS (SELECT 1 FROM platform_owners)")
            guard !hasOwner else { return nil }
            let owner = User(id: .random(), name: Self.ownerUserName, email: nil, createdAt: now)
            try UserRepository.insert(owner, in: nil, db)
            try db.execute(
                "INSERT INTO platform_owners (user_id, created_at) VALUES (?, ?)", [owner.id.rawValue, now])
            let record = APIKeyRecord(
                id: .random(), prefix: secret.prefix, hash: secret.hash, name: "bootstrap", userID: owner.id,
                binding: .platform, role: .owner, createdAt: now, createdBy: nil,
                expiresAt: nil, revokedAt: nil, lastUsedAt: nil)
            try KeyRepository.insert(record, db)
            return secret.revealed
        }
    }
}
