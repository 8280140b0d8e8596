import Foundation
import Tenancy

/// Users: people and service accounts. A user belongs to organizations (several, or — made
/// by the owner without one — none): an organization's keys see, add and mint keys for its
/// users only, and a name is unique within each organization, so nobody learns which names
/// another organization uses.
public struct UserRepository: Sendable {
    let backend: any StoreBackend

    /// Creates a user (`.createUser` on `.userDirectory`), in `organization` if given. The
    /// gateway checks that the caller may place users there.
    public func create(
        named name: String, email: String? = nil, in organization: OrganizationID? = nil, _ grant: Grant,
        now: Date = Date()
    ) async throws -> User {
        guard try grant.resource(for: .createUser) == .userDirectory else {
            throw AccessDenied(.actionDoesNotApply, action: .createUser)
        }
        if let organization, !grant.principal.binding.reaches(.organization(organization)),
            grant.principal.organizationID != organization
        {
            throw AccessDenied(.crossTenant, action: .createUser)
        }
        let user = User(
            id: .random(), name: try DirectoryName.validated(name, kind: "user"),
            email: try email.map(Self.validatedEmail), createdAt: now)
        return try await backend.write { db in
            try Self.insert(user, in: organization, db)
            // Read back, so the returned value carries the stored (millisecond) timestamp.
            return try Self.fetch(db, id: user.id) ?? user
        }
    }

    /// Adds an existing user to the granted organization (`.addOrganizationUser`); a no-op if
    /// they are in it already.
    public func add(_ user: UserID, _ grant: Grant, now: Date = Date()) async throws {
        let organization = try grant.organization(for: .addOrganizationUser)
        try await backend.write { db in try Self.join(user, organization, now: now, db) }
    }

    /// The user with this id or (case-insensitive) name, wherever they are (bootstrap, tests,
    /// display names); requests resolve users with ``user(address:visibleTo:)``.
    public func user(address: String) async throws -> User? {
        try await backend.read { db in
            if let user = try Self.fetch(db, id: UserID(rawValue: address)) { return user }
            let named = try db.fetchAll("SELECT * FROM users WHERE lower(name) = ? LIMIT 2", [address.asciiFolded])
            return named.count == 1 ? try named[0].user() : nil
        }
    }

    /// The user a request names, if `principal` may see them: the owner sees every user (by
    /// id, by `org/name`, or by a name only one user has); any other key the users of its own
    /// organization. Anyone else is `nil` — exactly like a user that does not exist.
    ///
    /// `within`: the organization the request is about (an `/orgs/{org}/…` or team route). There
    /// the owner's bare names mean that organization's users, or a user of no organization yet
    /// (the owner's own, joining now); another organization's user is named by id or
    /// `org/name` — never picked up, and joined, by a name they happen to share.
    public func user(address: String, visibleTo principal: Principal, within: OrganizationID? = nil) async throws -> User? {
        try await backend.read { db in
            guard let organization = principal.organizationID else {
                guard case .platform = principal.binding else { return nil }
                guard let within else { return try Self.anywhere(address, db) }
                if let user = try Self.fetch(db, address: address, in: within) { return user }
                if let user = try Self.fetch(db, id: UserID(rawValue: address)) { return user }
                if address.contains("/") { return try Self.anywhere(address, db) }
                let unattached = try db.fetchAll(
                    """
                    SELECT * FROM users u WHERE lower(u.name) = ?
                    AND NOT EXISTS (SELECT 1 FROM organization_users o WHERE o.user_id = u.id) LIMIT 2
                    """,
                    [address.asciiFolded])
                return unattached.count == 1 ? try unattached[0].user() : nil
            }
            return try Self.fetch(db, address: address, in: organization)
        }
    }

    /// Whether `user` belongs to `organization`.
    public func isMember(_ user: UserID, of organization: OrganizationID) async throws -> Bool {
        try await backend.read { db in try Self.belongs(user, to: organization, db) }
    }

    static func insert(_ user: User, in organization: OrganizationID?, _ db: any SQLConnection) throws {
        if try nameTaken(user.name, in: organization, db) { throw StoreError.nameTaken(kind: "user", name: user.name) }
        try db.execute(
            "INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?)",
            [user.id.rawValue, user.name, user.email, user.createdAt])
        if let organization { try join(user.id, organization, now: user.createdAt, db) }
    }

    /// Puts `user` in `organization` (no-op if there already); refuses a second user of the
    /// same name there.
    static func join(_ user: UserID, _ organization: OrganizationID, now: Date, _ db: any SQLConnection) throws {
        guard let joining = try fetch(db, id: user) else {
            throw StoreError.notFound(kind: "user", address: user.rawValue)
        }
        guard try !belongs(user, to: organization, db) else { return }
        if try nameTaken(joining.name, in: organization, db) {
            throw StoreError.nameTaken(kind: "user", name: joining.name)
        }
        try db.execute(
            "INSERT INTO organization_users (organization_id, user_id, created_at) VALUES (?, ?, ?)",
            [organization.rawValue, user.rawValue, now])
    }

    static func belongs(_ user: UserID, to organization: OrganizationID, _ db: any SQLConnection) throws -> Bool {
        try db.exists(
            "SELECT EXISTS (SELECT 1 FROM organization_users WHERE organization_id = ? AND user_id = ?)",
            [organization.rawValue, user.rawValue])
    }

    /// Whether `organization` has a user named `name`. A user in no organization (only the
    /// owner, who sees every user, makes one) needs a name no user has, so the owner's
    /// addressing by name stays unambiguous.
    private static func nameTaken(_ name: String, in organization: OrganizationID?, _ db: any SQLConnection) throws
        -> Bool
    {
        let sql =
            organization == nil
            ? "SELECT EXISTS (SELECT 1 FROM users WHERE lower(name) = ?)"
            : """
            SELECT EXISTS (SELECT 1 FROM users u JOIN organization_users o ON o.user_id = u.id
                WHERE lower(u.name) = ? AND o.organization_id = ?)
            """
        var arguments: SQLArguments = [name.asciiFolded]
        if let organization { arguments += [organization.rawValue] }
        return try db.exists(sql, arguments)
    }

    static func fetch(_ db: any SQLConnection, id: UserID) throws -> User? {
        try db.fetchOne("SELECT * FROM users WHERE id = ?", [id.rawValue])?.user()
    }

    /// A user of `organization` by id or name; an id wins over a name that folds to it (one
    /// made before names of an id's shape were refused in any case).
    static func fetch(_ db: any SQLConnection, address: String, in organization: OrganizationID) throws -> User? {
        try db.fetchOne(
            """
            SELECT u.* FROM users u JOIN organization_users o ON o.user_id = u.id
            WHERE o.organization_id = ? AND (u.id = ? OR lower(u.name) = ?) ORDER BY u.id = ? DESC LIMIT 1
            """,
            [organization.rawValue, address, address.asciiFolded, address]
        )?.user()
    }

    /// Any user, for the owner: by id, as `org/name`, or by a name that only one user has.
    private static func anywhere(_ address: String, _ db: any SQLConnection) throws -> User? {
        if let user = try fetch(db, id: UserID(rawValue: address)) { return user }
        let parts = address.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 {
            guard let organization = try OrganizationRepository.fetch(db, address: parts[0]) else { return nil }
            return try fetch(db, address: parts[1], in: organization.id)
        }
        let named = try db.fetchAll("SELECT * FROM users WHERE lower(name) = ? LIMIT 2", [address.asciiFolded])
        return named.count == 1 ? try named[0].user() : nil
    }

    static func validatedEmail(_ email: String) throws -> String {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.unicodeScalars.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: { $0.isWhitespace }), !PlainText.hasForbiddenCharacter(email)
        else {
            // The value is not repeated: it may hold characters a terminal or log would act on.
            throw StoreError.invalidValue(
                field: "email", problem: "is not an email address (one '@', a domain with a dot, no spaces or control characters)")
        }
        return email
    }
}
