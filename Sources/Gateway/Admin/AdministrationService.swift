import Foundation
import Store
import Tenancy

/// The admin plane: organizations, teams, users, memberships, keys, profiles, limits, audit
/// and usage. Every operation resolves what the request named, asks ``Policy`` through
/// ``Authorizer`` (recording the answer in the request's audit) and only then touches the
/// store with the ``Grant`` it got.
///
/// Ids of another tenant answer 404, exactly like ids that do not exist, and a refused
/// request's audit record names what the caller sent — never another tenant's resolved ids
/// (``Authorizer`` rewrites the resource of a cross-tenant denial to the caller's words).
public struct AdministrationService: Sendable {
    let store: AtriumStore
    /// Emptied after every change to keys, memberships, profiles or limits, before answering.
    let cache: DirectoryCache
    let now: @Sendable () -> Date

    public init(store: AtriumStore, cache: DirectoryCache, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.cache = cache
        self.now = now
    }

    /// The team a request names: an id, `org/team` (each an id or a name), or — for keys
    /// bound inside an organization — a bare team name of that organization.
    func team(_ address: String, for principal: Principal, audit: RequestAudit) async throws -> Team {
        if let team = try await store.teams.team(address: address) { return team }
        if !address.contains("/"), let organization = principal.organizationID,
            let team = try await store.teams.team(address: "\(organization.rawValue)/\(address)")
        {
            return team
        }
        throw missing(.init("team", address), principal: principal, audit: audit)
    }

    func organization(_ address: String, for principal: Principal, audit: RequestAudit) async throws -> Organization {
        guard let organization = try await store.organizations.organization(address: address) else {
            throw missing(.init("organization", address), principal: principal, audit: audit)
        }
        return organization
    }

    /// The 404 of a named team or organization that does not exist. For any key but the
    /// owner's (which reaches everything, so nothing is hidden from it) it is recorded exactly
    /// like one of another tenant — a `cross_team_attempt` in the caller's words, with its
    /// alert — so the caller's own audit and alerts never tell existing from missing ones.
    func missing(_ address: Authorizer.Address, principal: Principal, audit: RequestAudit) -> GatewayError {
        guard principal.binding != .platform else { return .notFound(address.kind, address.name) }
        return Authorizer.hide(address, principal: principal, audit: audit)
    }

    /// The user a request names, if the caller may see them (the owner: anyone; any other key:
    /// its organization's users). A user of another organization is "not found", exactly like
    /// one that does not exist.
    /// `within`: the organization the route is about (see ``UserRepository/user(address:visibleTo:within:)``).
    func user(_ address: String, for principal: Principal, within organization: OrganizationID? = nil) async throws -> User {
        guard let user = try await store.users.user(address: address, visibleTo: principal, within: organization) else {
            throw GatewayError.notFound("user", address)
        }
        return user
    }

    /// Runs a store write, turning a refusal the store decided itself (key issuance,
    /// membership rank) into a recorded denial.
    func recordingDenials<T: Sendable>(
        _ principal: Principal, _ resource: Resource, _ audit: RequestAudit, _ operation: () async throws -> T
    ) async throws -> T {
        do {
            return try await operation()
        } catch let denied as AccessDenied {
            throw Authorizer.deny(denied.reason, principal: principal, resource: resource, audit: audit)
        }
    }

    /// Requires a listing right (`.readKeys`, `.readAudit`, `.readUsage`) and, when the
    /// request names a team, that team within reach. Returns the team's id to filter by.
    func authorizeListing(
        _ action: Action, team address: String?, principal: Principal, audit: RequestAudit, resourceName: String
    ) async throws -> TeamID? {
        guard let address else {
            audit.describe(action: action, resource: resourceName)
            guard principal.rights.contains(action) else {
                throw Authorizer.deny(.roleNotAllowed, principal: principal, resource: .platform, audit: audit)
            }
            audit.decided(.allow)
            return nil
        }
        let team = try await team(address, for: principal, audit: audit)
        audit.describe(action: action, resource: "\(team.resource)/\(resourceName)")
        _ = try Authorizer.authorize(principal, action, on: team.resource, address: .init("team", address), audit: audit)
        return team.id
    }
}
