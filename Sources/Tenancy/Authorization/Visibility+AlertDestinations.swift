extension Visibility {
    /// Whether an alert destination is within this reach (for ``Action/readAlertDestinations``
    /// or ``Action/manageAlertDestinations``):
    ///
    /// - a platform-wide destination (`organization` nil) only for the owner (`.everything`);
    /// - an organization's destination for its admins;
    /// - for a team admin, only destinations scoped to exactly its own team — one that also
    ///   covers another team, or the whole organization, is not theirs to see or delete.
    public func includesAlertDestination(organization: OrganizationID?, teams: Set<TeamID>) -> Bool {
        switch self {
        case .nothing: false
        case .everything: true
        case .organization(let id): organization == id
        case .team(let own): organization == own.organizationID && teams == [own.id]
        }
    }
}
