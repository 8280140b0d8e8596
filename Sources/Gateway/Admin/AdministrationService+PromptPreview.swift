import Foundation
import Store
import Tenancy

extension AdministrationService {
    /// The system prompt `template` as the team's next request would receive it — `{{team}}`,
    /// `{{org}}`, `{{user}}` (the caller's user) and `{{date}}` filled in by the compose
    /// stage's own rule — for the console's profile editor. Whoever may read the team's
    /// profile may preview it.
    public func renderedSystemPrompt(
        _ template: String, of teamAddress: String, principal: Principal, audit: RequestAudit
    ) async throws -> String {
        let team = try await team(teamAddress, for: principal, audit: audit)
        audit.describe(action: .readProfile, resource: "\(team.resource)/profile")
        _ = try Authorizer.authorize(
            principal, .readProfile, on: team.resource, address: .init("team", teamAddress), audit: audit)
        let organization = try await store.organizations.organization(address: team.organizationID.rawValue)
        let user = try await store.users.user(address: principal.userID.rawValue)
        let names = TeamContext(
            profile: .default, teamName: team.name, organizationName: organization?.name ?? "",
            userName: user?.name ?? "")
        return PromptComposer.fill(template, team: names, date: now())
    }
}
