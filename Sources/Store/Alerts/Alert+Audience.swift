import Tenancy

extension Alert {
    /// The organizations whose alert destinations receive this alert (besides the platform's):
    /// the organization of the key that raised it and, for a cross-team attempt, the
    /// organization it reached for. The one place that decides it.
    public var concernedOrganizations: [OrganizationID] {
        var organizations = organizationID.map { [$0] } ?? []
        if let target = targetOrganizationID, !organizations.contains(target) { organizations.append(target) }
        return organizations
    }

    /// The alert's teams inside `organization` (what a destination's `teams` filter matches):
    /// the raising key's team on its own side, the targeted team on the targeted side.
    public func concernedTeams(in organization: OrganizationID) -> Set<TeamID> {
        var teams: Set<TeamID> = []
        if organizationID == organization, let teamID { teams.insert(teamID) }
        if targetOrganizationID == organization, let targetTeamID { teams.insert(targetTeamID) }
        return teams
    }
}
