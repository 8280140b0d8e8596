import Foundation
import GRDB
import Tenancy

/// Users: people and service accounts, unique by name across the platform.
public struct UserRepository: Sendable {
    let pool: DatabasePool

    /// Creates a user (`.createUser` on `.userDirectory`).
    public func create(named name: String, email: String? = nil, _ grant: Grant, now: Date = Date()) async throws -> User {
        guard try grant.resource(for: .createUser) == .userDirectory else {
            throw AccessDenied(.actionDoesNotApply, action: .createUser)
        }
        let user = User(
            id: .random(), name: try DirectoryName.validated(name, kind: "user"),
            email: try email.map(Self.validatedEmail), createdAt: now)
        return try await pool.write { db in
            try Self.insert(user, db)
            // Read back, so the returned value carries the stored (millisecond) timestamp.
            return try Self.fetch(db, address: user.id.rawValue) ?? user
        }
    }

    /// The user with this id or (case-insensitive) name.
    public func user(address: String) async throws -> User? {
        try await pool.read { db in try Self.fetch(db, address: address) }
    }

    static func insert(_ user: User, _ db: Database) throws {
        if try fetch(db, address: user.name) != nil { throw StoreError.nameTaken(kind: "user", name: user.name) }
        try db.execute(
            sql: "INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?)",
            arguments: [user.id.rawValue, user.name, user.email, user.createdAt])
    }

    static func fetch(_ db: Database, address: String) throws -> User? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM users WHERE id = ? OR name = ? COLLATE NOCASE", arguments: [address, address]
        )?.user()
    }

    private static func validatedEmail(_ email: String) throws -> String {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: { $0.isWhitespace }), !PlainText.hasForbiddenCharacter(email)
        else {
            // The value is not repeated: it may hold characters a terminal or log would act on.
            throw StoreError.invalidValue(
                field: "email", problem: "is not an email address (one '@', a domain with a dot, no spaces or control characters)")
        }
        return email
    }
}
