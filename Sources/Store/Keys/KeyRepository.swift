import Foundation
import GRDB
import Tenancy

/// API keys: minted under ``KeyIssuance``, stored as SHA-256 and prefix only, revoked by
/// stamping `revoked_at`. Also the ``KeyCredentialLookup`` behind ``KeyAuthenticator``: it
/// reads the database on every call, so revocation and expiry hold from the next request on.
public struct KeyRepository: Sendable {
    public static let maximumNameLength = 64
    let pool: DatabasePool

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
        if let name = request.name, name.count > Self.maximumNameLength {
            throw StoreError.invalidValue(field: "name", problem: "longer than \(Self.maximumNameLength) characters")
        }
        if let name = request.name, PlainText.hasForbiddenCharacter(name) {
            throw StoreError.invalidValue(field: "name", problem: "a key name \(PlainText.problem)")
        }
        if !request.limits.isUnlimited, request.binding.teamID == nil {
            throw StoreError.invalidValue(field: "limits", problem: "only team keys are limited (they alone reach the model)")
        }
        let secret = APIKeySecret.generate()
        let record = APIKeyRecord(
            id: .random(), prefix: secret.prefix, hash: secret.hash, name: request.name, userID: request.holder,
            binding: request.binding, role: request.role, createdAt: now, createdBy: grant.principal.keyID,
            expiresAt: request.expiresAt?.flooredToSecond, revokedAt: nil, lastUsedAt: nil)
        let stored = try await pool.write { db in
            try MembershipRepository.requireUser(request.holder, db)
            let holderRole = try MembershipRepository.role(of: request.holder, at: request.binding, db)
            let decision = KeyIssuance.decide(creator: grant.principal, request: request, holderRole: holderRole)
            if let reason = decision.denialReason { throw AccessDenied(reason, action: .issueKey) }
            try Self.insert(record, db)
            try LimitsRepository.insert(request.limits, of: record.id, db)
            return try Self.fetch(db, id: record.id) ?? record
        }
        return IssuedKey(record: stored, secret: secret)
    }

    /// Revokes a key (`.revokeKey` on the key's own binding); it fails from the next request
    /// on. Revoking twice keeps the first instant.
    ///
    /// Expiry and revocation instants are stored floored to the second: the stored text has
    /// millisecond precision, and rounding must never move them later.
    @discardableResult
    public func revoke(_ id: APIKeyID, _ grant: Grant, now: Date = Date()) async throws -> APIKeyRecord {
        let resource = try grant.resource(for: .revokeKey)
        return try await pool.write { db in
            guard let record = try Self.fetch(db, id: id), record.binding.resource == resource else {
                throw StoreError.notFound(kind: "key", address: id.rawValue)
            }
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                arguments: [now.flooredToSecond, id.rawValue])
            return try Self.fetch(db, id: id) ?? record
        }
    }

    /// A key's record by id (never the secret). Admin routes use it to find the binding to
    /// ask ``Policy`` about before revoking.
    public func key(id: APIKeyID) async throws -> APIKeyRecord? {
        try await pool.read { db in try Self.fetch(db, id: id) }
    }

    /// The keys `principal` may list (`.readKeys`, within its reach), newest first,
    /// optionally of one team only.
    public func list(visibleTo principal: Principal, team: TeamID? = nil) async throws -> [APIKeyRecord] {
        guard let visible = Policy.visibility(of: principal, for: .readKeys).sqlCondition() else { return [] }
        var sql = "SELECT * FROM api_keys WHERE \(visible.sql)"
        var arguments = visible.arguments
        if let team {
            sql += " AND team_id = ?"
            arguments += [team.rawValue]
        }
        let query = sql + " ORDER BY created_at DESC, id"
        let queryArguments = arguments
        return try await pool.read { db in
            try Row.fetchAll(db, sql: query, arguments: queryArguments).map { try $0.keyRecord() }
        }
    }

    static func insert(_ record: APIKeyRecord, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO api_keys (id, hash, prefix, name, user_id, role, organization_id, team_id,
                    created_at, created_by, expires_at, revoked_at, last_used_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
                """,
            arguments: [
                record.id.rawValue, record.hash.hex, record.prefix, record.name, record.userID.rawValue,
                record.role.rawValue, record.binding.organizationID?.rawValue, record.binding.teamID?.rawValue,
                record.createdAt, record.createdBy?.rawValue, record.expiresAt,
            ])
    }

    static func fetch(_ db: Database, id: APIKeyID) throws -> APIKeyRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id.rawValue])?.keyRecord()
    }
}

extension KeyRepository: KeyCredentialLookup {
    public func credentials(matching hash: APIKeyHash) async throws -> KeyCredentials? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE hash = ?", arguments: [hash.hex])
            else { return nil }
            let record = try row.keyRecord()
            let holderRole = try MembershipRepository.role(of: record.userID, at: record.binding, db)
            return KeyCredentials(record: record, holderRole: holderRole)
        }
    }

    public func recordUse(of key: APIKeyID, at date: Date) async throws {
        try await pool.write { db in try Self.recordUse(of: key, at: date, db) }
    }

    static func recordUse(of key: APIKeyID, at date: Date, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?")
            .execute(arguments: [date, key.rawValue])
    }
}

extension Row {
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

extension Date {
    /// The start of this date's second: never later than the date itself.
    var flooredToSecond: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
