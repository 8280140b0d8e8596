import Foundation
import Testing
import GRDB
@testable import Store
import Tenancy

/// A real database — a SQLite file in a temporary folder, or a PostgreSQL database of its own
/// (``TestDatabase``) — populated the way an operator would, through
/// the public API only: bootstrap the owner, create organizations, appoint org admins, create
/// teams and users, add members, mint keys, and authenticate every key.
///
/// acme: sales (alice team admin, bob member, vic viewer), development (carol team admin);
/// dave admins acme. globex: research (rita member); erin admins globex.
final class StoreWorld: Sendable {
    let database: TestDatabase
    let store: AtriumStore
    let authenticator: KeyAuthenticator
    let ownerKey: String

    let owner: Principal
    let acme: Organization
    let globex: Organization
    let sales: Team
    let development: Team
    let research: Team

    let acmeAdmin: Principal
    let globexAdmin: Principal
    let salesAdmin: Principal
    let salesMember: Principal
    let salesViewer: Principal
    let developmentAdmin: Principal
    let researchMember: Principal
    /// Keys by holder name, for tests that present them again.
    let keys: [String: String]

    static func make(_ backend: StoreBackendKind = .sqlite, queryText: QueryTextPolicy = .full) async throws
        -> StoreWorld
    {
        try await StoreWorld(database: TestDatabase.make(backend, queryText: queryText))
    }

    private init(database: TestDatabase) async throws {
        self.database = database
        let store = database.store
        self.store = store
        authenticator = KeyAuthenticator(lookup: store.keys)
        let ownerKey = try await store.bootstrapOwnerIfEmpty(presetKey: nil)!
        let owner = try await store.keys.authenticated(ownerKey)
        self.ownerKey = ownerKey
        self.owner = owner

        let acme = try await store.organizations.create(named: "acme", Policy.authorize(owner, .createOrganization, on: .platform))
        let globex = try await store.organizations.create(named: "globex", Policy.authorize(owner, .createOrganization, on: .platform))
        self.acme = acme
        self.globex = globex

        var keys: [String: String] = [:]
        let userGrant = try Policy.authorize(owner, .createUser, on: .userDirectory)
        var users: [String: User] = [:]
        for name in ["alice", "bob", "vic", "carol", "dave", "erin", "rita"] {
            let organization = ["erin", "rita"].contains(name) ? globex.id : acme.id
            users[name] = try await store.users.create(
                named: name, email: "\(name)@example.com", in: organization, userGrant)
        }

        func orgAdmin(_ name: String, of organization: Organization) async throws -> Principal {
            let user = users[name]!
            try await store.memberships.appointOrganizationAdmin(
                user.id, Policy.authorize(owner, .appointOrganizationAdmin, on: organization.resource))
            let binding = AccessBinding.organization(organization.id)
            let issued = try await store.keys.issue(
                KeyRequest(holder: user.id, binding: binding, role: .orgAdmin, name: "admin"),
                Policy.authorize(owner, .issueKey, on: binding.resource))
            keys[name] = issued.secret.revealed
            return try await store.keys.authenticated(issued.secret.revealed)
        }
        let acmeAdmin = try await orgAdmin("dave", of: acme)
        let globexAdmin = try await orgAdmin("erin", of: globex)
        self.acmeAdmin = acmeAdmin
        self.globexAdmin = globexAdmin

        let sales = try await store.teams.create(named: "sales", Policy.authorize(acmeAdmin, .createTeam, on: acme.resource))
        let development = try await store.teams.create(
            named: "development", Policy.authorize(acmeAdmin, .createTeam, on: acme.resource))
        let research = try await store.teams.create(
            named: "research", Policy.authorize(globexAdmin, .createTeam, on: globex.resource))
        self.sales = sales
        self.development = development
        self.research = research

        func member(_ name: String, of team: Team, as role: Role, by admin: Principal) async throws -> Principal {
            let user = users[name]!
            try await store.memberships.setTeamRole(role, for: user.id, Policy.authorize(admin, .addMember, on: team.resource))
            let issued = try await store.keys.issue(
                KeyRequest(holder: user.id, binding: .team(team.reference), role: role, name: "laptop"),
                Policy.authorize(admin, .issueKey, on: team.resource))
            keys[name] = issued.secret.revealed
            return try await store.keys.authenticated(issued.secret.revealed)
        }
        let salesAdmin = try await member("alice", of: sales, as: .teamAdmin, by: acmeAdmin)
        self.salesAdmin = salesAdmin
        salesMember = try await member("bob", of: sales, as: .member, by: salesAdmin)
        salesViewer = try await member("vic", of: sales, as: .viewer, by: salesAdmin)
        developmentAdmin = try await member("carol", of: development, as: .teamAdmin, by: acmeAdmin)
        researchMember = try await member("rita", of: research, as: .member, by: globexAdmin)
        self.keys = keys
    }

    /// The SQLite file (SQLite worlds only).
    var databasePath: String { database.directory!.appendingPathComponent(AtriumStore.fileName).path }

    /// A second, raw connection to the same SQLite file: what someone with file access could do.
    func rawConnection() throws -> DatabaseQueue {
        try DatabaseQueue(path: databasePath)
    }

    /// A second store on the same database, with connections of its own: another replica, or
    /// this process restarted.
    func secondStore() throws -> AtriumStore {
        switch database.kind {
        case .sqlite: try AtriumStore(path: databasePath)
        case .postgres: AtriumStore(postgres: try #require(database.postgres), poolSize: 4)
        }
    }

    /// Rows straight from the database, past every repository (an administrative
    /// transaction), on either backend.
    func rawRows(_ sql: String) async throws -> [SQLRow] {
        try await store.backend.read { db in try db.fetchAll(sql, []) }
    }

    /// A new acme user made a sales team admin, with a key the org admin minted.
    func secondSalesAdmin(_ name: String) async throws -> Principal {
        let user = try await store.users.create(
            named: name, email: "\(name)@example.com", in: acme.id, Policy.authorize(owner, .createUser, on: .userDirectory))
        try await store.memberships.setTeamRole(.teamAdmin, for: user.id, Policy.authorize(acmeAdmin, .addMember, on: sales.resource))
        let issued = try await store.keys.issue(
            KeyRequest(holder: user.id, binding: .team(sales.reference), role: .teamAdmin, name: "laptop"),
            Policy.authorize(acmeAdmin, .issueKey, on: sales.resource))
        return try await store.keys.authenticated(issued.secret.revealed)
    }

    func user(_ name: String) async throws -> User {
        try #require(await store.users.user(address: name))
    }

    func scope(_ principal: Principal) throws -> TenantScope {
        try #require(principal.tenantScope)
    }
}

extension KeyRepository {
    /// Authenticates `key` with a fresh authenticator over this repository.
    func authenticated(_ key: String, at instant: Date = Date()) async throws -> Principal {
        try await KeyAuthenticator(lookup: self, now: { instant }).authenticate(presentedKey: key)
    }
}
