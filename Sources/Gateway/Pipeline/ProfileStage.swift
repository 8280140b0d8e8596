import Store
import Tenancy

/// The profile stage: the team's current profile (read on every request, so a change applies
/// to the next one) and the names of its team, organization and the key's holder.
struct ProfileStage: Sendable {
    let store: AtriumStore
    let names: DirectoryNames

    func context(for scope: TenantScope) async throws -> TeamContext {
        async let profile = store.profiles.profile(in: scope)
        let team = try await names.team(scope.teamID)
        let organization = try await names.organization(scope.organizationID)
        let user = try await names.user(scope.principal.userID)
        return try await TeamContext(profile: profile, teamName: team, organizationName: organization, userName: user)
    }
}
