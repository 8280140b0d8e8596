import Store
import Tenancy

/// The profile stage: the team's current profile (cached until the next profile change, which
/// empties the cache before it answers, so a change applies to the next request) and the
/// names of its team, organization and the key's holder.
struct ProfileStage: Sendable {
    let store: AtriumStore
    let names: DirectoryNames
    let cache: DirectoryCache

    func context(for scope: TenantScope) async throws -> TeamContext {
        let profile = try await cache.profile(of: scope.team) { try await store.profiles.profile(in: scope) }
        let team = try await names.team(scope.teamID)
        let organization = try await names.organization(scope.organizationID)
        let user = try await names.user(scope.principal.userID)
        return TeamContext(profile: profile, teamName: team, organizationName: organization, userName: user)
    }
}
