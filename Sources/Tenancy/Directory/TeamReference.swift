/// A team together with the organization it belongs to.
///
/// Both halves travel together so that a decision about a team can never be made against the
/// wrong organization; the store also puts both into every statement that uses one, so a
/// mismatched pair matches no row.
public struct TeamReference: Sendable, Hashable, Codable {
    public let id: TeamID
    public let organizationID: OrganizationID

    public init(id: TeamID, organizationID: OrganizationID) {
        self.id = id
        self.organizationID = organizationID
    }
}
