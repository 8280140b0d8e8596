import Store
import Synchronization
import Tenancy

/// Names of teams, organizations and users by id, for the profile's `{{team}}`, `{{org}}`
/// and `{{user}}` and for matching a `/query`'s `team`. Names never change once created (the
/// store has no rename), so a name read once stays right; the cache is only bounded.
final class DirectoryNames: Sendable {
    static let capacity = 10_000
    private let store: AtriumStore
    private let names = Mutex<[String: String]>([:])

    init(store: AtriumStore) {
        self.store = store
    }

    func team(_ id: TeamID) async throws -> String {
        try await name(of: id.rawValue) { try await store.teams.team(address: id.rawValue)?.name }
    }

    func organization(_ id: OrganizationID) async throws -> String {
        try await name(of: id.rawValue) { try await store.organizations.organization(address: id.rawValue)?.name }
    }

    func user(_ id: UserID) async throws -> String {
        try await name(of: id.rawValue) { try await store.users.user(address: id.rawValue)?.name }
    }

    private func name(of id: String, read: () async throws -> String?) async throws -> String {
        if let known = names.withLock({ $0[id] }) { return known }
        guard let name = try await read() else { throw GatewayError.notFound("record", id) }
        names.withLock { names in
            if names.count >= Self.capacity { names.removeAll(keepingCapacity: true) }
            names[id] = name
        }
        return name
    }
}
