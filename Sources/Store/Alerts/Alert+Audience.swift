import Tenancy

extension Alert {
    /// The organizations whose alert destinations receive this alert (besides the platform's):
    /// the organization of the key that raised it.
    ///
    /// The one place that decides it: when alerts record the team a cross-team attempt reached
    /// for, add its organization here (and its team in ``concernedTeams(in:)``), and delivery
    /// follows.
    public var concernedOrganizations: [OrganizationID] {
        organizationID.map { [$0] } ?? []
    }

    /// The alert's teams inside `organization` (what a destination's `teams` filter matches).
    public func concernedTeams(in organization: OrganizationID) -> Set<TeamID> {
        guard organizationID == organization, let teamID else { return [] }
        return [teamID]
    }
}
