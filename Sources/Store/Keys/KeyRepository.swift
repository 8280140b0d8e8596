import Foundation
import Tenancy

/// API keys: minted under ``KeyIssuance``, stored as SHA-256 and prefix only, revoked by
/// stamping `revoked_at`. Also the ``KeyCredentialLookup`` behind ``KeyAuthenticator``: it
/// reads the database on every call, so revocation and expiry hold from the next request on.
public struct KeyRepository: Sendable {
    public static let maximumNameLength = 64
    let backend: any StoreBackend

    /// `WITH RECURSIVE lineage(id)`: the key given as the one argument and every key up the
    /// line that minted it (`created_by`). One walk for every rule that holds the keys a key
    /// mints as it holds the key itself — its budgets and its limits. (`UNION` stops at a key
    /// seen before.)
    static let lineage = """
        WITH RECURSIVE lineage(id) AS (
            SELECT id FROM api_keys WHERE id = ?
            UNION SELECT k.created_by FROM api_keys k JOIN lineage l ON k.id = l.id WHERE k.created_by IS NOT NULL
        )
        """

    /// Mints a key for `request.holder` (`.issueKey` on the request's binding). The holder's
    /// current role and the creator's rights are checked by ``KeyIssuance`` inside the same
    /// transaction as the insert.
    public func issue(_ request: KeyRequest, _ grant: Grant, now: Date = Date()) async throws -> IssuedKey {
        guard try grant.resource(for: .issueKey) == request.binding.resource else {
            throw AccessDenied(.actionDoesNotApply, action: .issueKey)
        }
        if let expiresAt = request.expiresAt, expiresAt <= now {
            throw StoreError.invalidValue(field: "expires_at", problem: "must lie in the future")
        }
        if let name = request.name, name.unicodeScalars.count > Self.maximumNameLength {  // scalars, not Characters (combining marks)
            throw StoreError.invalidValue(field: "name", problem: "longer than \(Self.maximumNameLength) characters")
        }
        if let name = request.name, PlainText.hasForbiddenCharacter(name) {
            throw StoreError.invalidValue(field: "name", problem: "a key name \(PlainText.problem)")
        }
        if !request.limits.isUnlimited, request.binding.teamID == nil {
            throw StoreError.invalidValue(field: "limits", problem: "only team keys are limited (they alone reach the model)")
        }
        let secret = APIKeySecret.generate()
        let (stored, limits) = try await backend.write { db in
            let grant = try Self.standing(grant, at: now, db)
            try MembershipRepository.requireUser(request.holder, db)
            let holderRole = try MembershipRepository.role(of: request.holder, at: request.binding, db)
            let decision = KeyIssuance.decide(creator: grant.principal, request: request, holderRole: holderRole)
            if let reason = decision.denialReason { throw AccessDenied(reason, action: .issueKey) }
            let terms = try Self.terms(of: request, mintedBy: grant.principal.keyID, db)
            let record = APIKeyRecord(
                id: .random(), prefix: secret.prefix, hash: secret.hash, name: request.name, userID: request.holder,
                binding: request.binding, role: request.role, createdAt: now, createdBy: grant.principal.keyID,
                expiresAt: terms.expiresAt?.flooredToSecond, revokedAt: nil, lastUsedAt: nil)
            try Self.insert(record, db)
            // Limits bind team keys only (they alone reach the model); an org or platform key
            // minted by a limited key has nothing they could limit.
            let limits = request.binding.teamID == nil ? KeyLimits.unlimited : terms.limits
            try LimitsRepository.insert(limits, of: record.id, db)
            return (try Self.fetch(db, id: record.id) ?? record, limits)
        }
        return IssuedKey(record: stored, secret: secret, limits: limits)
    }

    /// `grant` as its key stands inside this write (``Grant/standing(_:at:)``), with the key's
    /// row locked until the transaction ends (an update of a column no rule reads).
    ///
    /// Why the lock: on PostgreSQL (read committed) a mint authenticated before its minter's
    /// removal could otherwise read the old membership and commit after the removal's cascade
    /// had looked for the minter's keys. The cascades (``MembershipRepository``) lock the same
    /// rows first, then look for the keys minted: whichever comes second sees the other's work.
    static func standing(_ grant: Grant, at now: Date, _ db: any SQLConnection) throws -> Grant {
        let key = grant.principal.keyID
        guard try db.execute("UPDATE api_keys SET last_used_at = last_used_at WHERE id = ?", [key.rawValue]) == 1,
            let record = try fetch(db, id: key)
        else { throw AccessDenied(.unknownKey, action: grant.action) }
        let holderRole = try MembershipRepository.role(of: record.userID, at: record.binding, db)
        return try grant.standing(KeyCredentials(record: record, holderRole: holderRole), at: now)
    }

    /// The requested expiry and limits, bounded by the minting key's own (``KeyIssuance``).
    private static func terms(of request: KeyRequest, mintedBy minter: APIKeyID, _ db: any SQLConnection) throws -> KeyTerms {
        guard let ceiling = try ceiling(of: minter, db) else { throw AccessDenied(.exceedsCreatorKey, action: .issueKey) }
        let requested = KeyTerms(expiresAt: request.expiresAt, limits: request.limits)
        return try KeyIssuance.terms(requested: requested, minter: ceiling)
    }

    /// The expiry and limits of `key`: what a key it mints or rotates may not exceed; nil if
    /// it does not exist.
    private static func ceiling(of key: APIKeyID, _ db: any SQLConnection) throws -> KeyTerms? {
        guard let record = try fetch(db, id: key) else { return nil }
        return KeyTerms(expiresAt: record.expiresAt, limits: try LimitsRepository.keyLimits(of: key, db))
    }

    /// The longest grace period a rotated key's old secret may keep working: seven days.
    public static let maximumGraceSeconds = 7 * 24 * 3600

    /// Gives a key a new secret (`.revokeKey` on the key's binding: whoever may revoke a key
    /// may rotate it). Everything else stays — holder, binding, role, limits, expiry; the old
    /// secret keeps working for `graceSeconds` (0: not at all), then is refused like an
    /// expired key. A later rotation replaces the earlier one's old secret.
    ///
    /// The rotating key saw the new secret, as a minting key sees a new key's: it is recorded
    /// (`rotated_by`, and `previous_rotated_by` while the old secret's grace lasts), and the
    /// cascades that revoke what a removed or demoted holder's keys minted revoke what they
    /// rotated too.
    public func rotate(_ id: APIKeyID, graceSeconds: Int, _ grant: Grant, now: Date = Date()) async throws
        -> IssuedKey
    {
        let resource = try grant.resource(for: .revokeKey)
        guard (0...Self.maximumGraceSeconds).contains(graceSeconds) else {
            throw StoreError.invalidValue(
                field: "grace_seconds", problem: "must be 0 to \(Self.maximumGraceSeconds), not \(graceSeconds)")
        }
        let secret = APIKeySecret.generate()
        let graceEnd = graceSeconds == 0 ? nil : now.addingTimeInterval(TimeInterval(graceSeconds)).flooredToSecond
        return try await backend.write { db in
            let grant = try Self.standing(grant, at: now, db)
            guard let record = try Self.fetch(db, id: id), record.binding.resource == resource else {
                throw StoreError.notFound(kind: "key", address: id.rawValue)
            }
            guard record.status(at: now) == .active else {
                let status = record.status(at: now).rawValue
                throw StoreError.invalidValue(field: "key", problem: "a \(status) key cannot be rotated")
            }
            // A new secret is a new key in the caller's hands: only within the caller's own key's
            // expiry and limits, as minting is — else an expiring key would rotate itself an
            // unlimited, unexpiring one.
            let terms = KeyTerms(expiresAt: record.expiresAt, limits: try LimitsRepository.keyLimits(of: id, db))
            guard let ceiling = try Self.ceiling(of: grant.principal.keyID, db),
                (try? KeyIssuance.terms(requested: terms, minter: ceiling)) == terms
            else { throw AccessDenied(.exceedsCreatorKey, action: .revokeKey) }
            // Without a grace period the old secret is forgotten at once, and so is who made it.
            // A key rotating itself is no one new: whoever made its current secret holds the new
            // one too (an admin who took a key over by rotating it could otherwise clear the
            // record by having the key rotate itself).
            let rotator = grant.principal.keyID == id ? nil : grant.principal.keyID.rawValue
            try db.execute(
                """
                UPDATE api_keys SET previous_hash = ?, previous_hash_expires_at = ?, hash = ?, prefix = ?,
                    previous_rotated_by = \(graceEnd == nil ? "NULL" : "rotated_by"), rotated_by = COALESCE(?, rotated_by)
                WHERE id = ?
                """,
                [graceEnd == nil ? nil : record.hash.hex, graceEnd, secret.hash.hex, secret.prefix, rotator, id.rawValue])
            let rotated = try Self.fetch(db, id: id) ?? record
            return IssuedKey(record: rotated, secret: secret, limits: try LimitsRepository.keyLimits(of: id, db))
        }
    }

    /// Revokes a key (`.revokeKey` on the key's own binding); it fails from the next request
    /// on. Revoking twice keeps the first instant. `withMinted`: also every key it minted or
    /// rotated, and those keys' in turn — what whoever held a leaked key could have made.
    ///
    /// Expiry and revocation instants are stored floored to the second: the stored text has
    /// millisecond precision, and rounding must never move them later.
    @discardableResult
    public func revoke(_ id: APIKeyID, withMinted: Bool = false, _ grant: Grant, now: Date = Date()) async throws
        -> APIKeyRecord
    {
        let resource = try grant.resource(for: .revokeKey)
        return try await backend.write { db in
            // As the revoking key stands now: one removed meanwhile revokes nothing more.
            _ = try Self.standing(grant, at: now, db)
            guard let record = try Self.fetch(db, id: id), record.binding.resource == resource else {
                throw StoreError.notFound(kind: "key", address: id.rawValue)
            }
            try db.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", [now.flooredToSecond, id.rawValue])
            if withMinted { try Self.revokeLine(below: "SELECT ?", [id.rawValue], at: now.flooredToSecond, db) }
            return try Self.fetch(db, id: id) ?? record
        }
    }

    /// Revokes every key minted or rotated by one of the keys the query `keys` selects (`id`s,
    /// with `arguments`), and by those, and so on: whoever minted or rotated a key saw its
    /// secret. (The line a key's limits follow, ``lineage``, goes up `created_by` only: a
    /// rotation changes who saw the secret, not whose key it is.) The alert destinations those
    /// keys made, the selected ones' included, are deleted: a webhook receives the security
    /// alerts of what it covers, and it must not keep them flowing to its maker once their
    /// access ends (it did, with no way to tell whose it was).
    static func revokeLine(below keys: String, _ arguments: SQLArguments, at revokedAt: Date, _ db: any SQLConnection) throws {
        let line = Self.line(below: keys)
        try db.execute(
            line + "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id IN (SELECT id FROM descendants)",
            arguments + [revokedAt])
        try db.execute(
            line + "DELETE FROM alert_destinations WHERE created_by IN (SELECT id FROM own UNION SELECT id FROM descendants)",
            arguments)
    }

    /// Whether anything a removal's cascade must still reach hangs below `key`: a live key
    /// (neither revoked nor expired) it minted or rotated, directly or down the line, or an
    /// alert destination it or one of those made. A key with such a line must not be deleted:
    /// the cascades find the line only from the keys that still exist (`created_by` names a key
    /// id, not its holder, and nothing is kept of a deleted key).
    static func holdsLiveLine(_ key: APIKeyID, at now: Date, _ db: any SQLConnection) throws -> Bool {
        try db.exists(
            line(below: "SELECT ?") + """
                SELECT EXISTS (SELECT 1 FROM api_keys WHERE id IN (SELECT id FROM descendants)
                    AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?))
                OR EXISTS (SELECT 1 FROM alert_destinations
                    WHERE created_by IN (SELECT id FROM own UNION SELECT id FROM descendants))
                """,
            [key.rawValue, now])
    }

    /// `WITH RECURSIVE own(id), descendants(id)`: the keys the query `keys` selects, and every
    /// key minted or rotated by one of them, and by those, and so on.
    private static func line(below keys: String) -> String {
        """
        WITH RECURSIVE own(id) AS (\(keys)),
        descendants(id) AS (
            SELECT k.id FROM api_keys k JOIN own o
                ON k.created_by = o.id OR k.rotated_by = o.id OR k.previous_rotated_by = o.id
            UNION SELECT k.id FROM api_keys k JOIN descendants d
                ON k.created_by = d.id OR k.rotated_by = d.id OR k.previous_rotated_by = d.id
        )

        """
    }

    /// A key's record by id (never the secret). Admin routes use it to find the binding to
    /// ask ``Policy`` about before revoking.
    public func key(id: APIKeyID) async throws -> APIKeyRecord? {
        try await backend.read { db in try Self.fetch(db, id: id) }
    }

    /// The keys `principal` may list (`.readKeys`, within its reach), newest first,
    /// optionally of one team only.
    public func list(visibleTo principal: Principal, team: TeamID? = nil) async throws -> [APIKeyRecord] {
        guard let visible = Policy.visibility(of: principal, for: .readKeys).portableCondition() else { return [] }
        var sql = "SELECT * FROM api_keys WHERE \(visible.sql)"
        var arguments = visible.arguments
        if let team {
            sql += " AND team_id = ?"
            arguments += [team.rawValue]
        }
        let query = sql + " ORDER BY created_at DESC, id"
        let queryArguments = arguments
        return try await backend.read { db in
            try db.fetchAll(query, queryArguments).map { try $0.keyRecord() }
        }
    }

    static func insert(_ record: APIKeyRecord, _ db: any SQLConnection) throws {
        try db.execute(
            """
            INSERT INTO api_keys (id, hash, prefix, name, user_id, role, organization_id, team_id,
                created_at, created_by, expires_at, revoked_at, last_used_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
            """,
            [
                record.id.rawValue, record.hash.hex, record.prefix, record.name, record.userID.rawValue,
                record.role.rawValue, record.binding.organizationID?.rawValue, record.binding.teamID?.rawValue,
                record.createdAt, record.createdBy?.rawValue, record.expiresAt,
            ])
    }

    static func fetch(_ db: any SQLConnection, id: APIKeyID) throws -> APIKeyRecord? {
        try db.fetchOne("SELECT * FROM api_keys WHERE id = ?", [id.rawValue])?.keyRecord()
    }
}

extension KeyRepository: KeyCredentialLookup {
    public func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials? {
        try await backend.read { db in
            let record: APIKeyRecord
            var isPreviousSecret = false
            if let row = try db.fetchOne("SELECT * FROM api_keys WHERE hash = ?", [hash.hex]) {
                record = try row.keyRecord()
            } else if let row = try db.fetchOne("SELECT * FROM api_keys WHERE previous_hash = ?", [hash.hex]) {
                record = try row.previousSecretRecord()
                isPreviousSecret = true
            } else {
                return nil
            }
            let holderRole = try MembershipRepository.role(of: record.userID, at: record.binding, db)
            return KeyCredentials(record: record, holderRole: holderRole, isPreviousSecret: isPreviousSecret)
        }
    }

    public func recordUse(of key: APIKeyID, at date: Date) async throws {
        try await backend.write { db in try Self.recordUse(of: key, at: date, db) }
    }

    static func recordUse(of key: APIKeyID, at date: Date, _ db: any SQLConnection) throws {
        try db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [date, key.rawValue])
    }
}

extension SQLRow {
    func keyRecord() throws -> APIKeyRecord {
        let hashText = try decode(String.self, forColumn: "hash")
        guard let hash = APIKeyHash(hex: hashText) else {
            throw StoreError.corruptRow(table: "api_keys", problem: "hash is not 64 hex digits")
        }
        return try APIKeyRecord(
            id: APIKeyID(rawValue: decode(String.self, forColumn: "id")),
            prefix: decode(String.self, forColumn: "prefix"),
            hash: hash,
            name: decode(String?.self, forColumn: "name"),
            userID: UserID(rawValue: decode(String.self, forColumn: "user_id")),
            binding: binding(),
            role: role(table: "api_keys"),
            createdAt: decode(forColumn: "created_at"),
            createdBy: decode(String?.self, forColumn: "created_by").map(APIKeyID.init(rawValue:)),
            expiresAt: decode(forColumn: "expires_at"),
            revokedAt: decode(forColumn: "revoked_at"),
            lastUsedAt: decode(forColumn: "last_used_at"))
    }
}

extension SQLRow {
    /// A rotated key as its old secret presents it: that secret's hash, working until the
    /// grace period ends (or the key's own expiry, if sooner).
    func previousSecretRecord() throws -> APIKeyRecord {
        let current = try keyRecord()
        guard let hash = APIKeyHash(hex: try decode(String.self, forColumn: "previous_hash")) else {
            throw StoreError.corruptRow(table: "api_keys", problem: "previous_hash is not 64 hex digits")
        }
        let graceEnd: Date? = try decode(forColumn: "previous_hash_expires_at")
        let expiresAt = [current.expiresAt, graceEnd].compactMap { $0 }.min()
        return APIKeyRecord(
            id: current.id, prefix: current.prefix, hash: hash, name: current.name, userID: current.userID,
            binding: current.binding, role: current.role, createdAt: current.createdAt, createdBy: current.createdBy,
            expiresAt: expiresAt, revokedAt: current.revokedAt, lastUsedAt: current.lastUsedAt)
    }
}

extension Date {
    /// The start of this date's second: never later than the date itself.
    var flooredToSecond: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
