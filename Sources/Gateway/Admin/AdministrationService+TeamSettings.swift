import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// `GET /v1/admin/teams/{team}/profile` (org admin, team admin).
    public func profile(of teamAddress: String, principal: Principal, audit: RequestAudit) async throws -> PromptProfile {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .readProfile, resource: "\(team.resource)/profile")
        let grant = try Authorizer.authorize(
            principal, .readProfile, on: team.resource, address: .init("team", teamAddress), audit: audit)
        return try await store.profiles.profile(grant)
    }

    /// `PUT /v1/admin/teams/{team}/profile` (org admin, team admin): a new version, used
    /// from the next request on.
    public func saveProfile(_ profile: PromptProfile, of teamAddress: String, principal: Principal, audit: RequestAudit)
        async throws -> PromptProfile
    {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .changeProfile, resource: "\(team.resource)/profile")
        let grant = try Authorizer.authorize(
            principal, .changeProfile, on: team.resource, address: .init("team", teamAddress), audit: audit)
        let saved = try await store.profiles.save(profile, grant, now: now())
        cache.invalidate()
        audit.describe(action: .changeProfile, resource: "\(team.resource)/profile/v\(saved.version)")
        return saved
    }

    /// `GET /v1/admin/teams/{team}/limits` (owner, org admin, team admin).
    public func limits(of teamAddress: String, principal: Principal, audit: RequestAudit) async throws -> TeamLimits {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .readLimits, resource: "\(team.resource)/limits")
        let grant = try Authorizer.authorize(
            principal, .readLimits, on: team.resource, address: .init("team", teamAddress), audit: audit)
        return try await store.limits.limits(grant)
    }

    /// `PUT /v1/admin/teams/{team}/limits` (owner, org admin — a team never raises its own).
    public func setLimits(_ limits: TeamLimits, of teamAddress: String, principal: Principal, audit: RequestAudit)
        async throws -> TeamLimits
    {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .setLimits, resource: "\(team.resource)/limits")
        let grant = try Authorizer.authorize(
            principal, .setLimits, on: team.resource, address: .init("team", teamAddress), audit: audit)
        try await store.limits.set(limits, grant, now: now())
        cache.invalidate()
        return limits
    }
}
