import Store
import Tenancy

/// The profile stage: the team's current profile (cached until the next profile change, which
/// empties the cache before it answers, so a change applies to the next request) and the
/// names of its team, organization and the key's holder, and the version of its knowledge
/// (read from the store on every request: another server sharing the database may have
/// changed the documents).
struct ProfileStage: Sendable {
    let store: AtriumStore
    let names: DirectoryNames
    let cache: DirectoryCache

    func context(for scope: TenantScope) async throws -> TeamContext {
        let profile = try await cache.profile(of: scope.team) { try await store.profiles.profile(in: scope) }
        let team = try await names.team(scope.teamID)
        let organization = try await names.organization(scope.organizationID)
        let user = try await names.user(scope.principal.userID)
        let knowledgeVersion = try await store.knowledge.version(in: scope)
        return TeamContext(
            profile: profile, teamName: team, organizationName: organization, userName: user,
            knowledgeVersion: knowledgeVersion)
    }
}
