/// A user's role somewhere: the platform (owner), an organization (org admin) or a team
/// (team admin, member, viewer).
///
/// A key can never do more than its holder's current membership allows (see
/// ``EffectiveRights``), so removing or demoting a member takes effect on their keys at once.
public struct Membership: Sendable, Hashable, Codable {
    public let userID: UserID
    public let binding: AccessBinding
    public let role: Role

    /// Refuses a role that does not belong at the binding (a team member cannot be an owner).
    public init(userID: UserID, binding: AccessBinding, role: Role) throws(DirectoryError) {
        guard role.fits(binding) else { throw .roleDoesNotFitBinding(role: role, binding: binding) }
        self.userID = userID
        self.binding = binding
        self.role = role
    }
}
