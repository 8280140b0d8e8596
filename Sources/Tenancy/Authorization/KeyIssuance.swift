/// The pure rule for minting keys: a key can only carry a subset of its creator's rights.
///
/// "Subset" is read in the two ways that keep it meaningful:
/// - **For oneself**, the new key's rights must be a subset of the creator's present
///   rights — nobody escalates by minting themselves a key.
/// - **For someone else**, rights are conferred down the hierarchy: the role may not outrank
///   the creator's (owner > org admin > team admin > member > viewer). The owner's and org
///   admin's lack of data rights is separation of duty, not a ceiling on what they may
///   delegate to a team's own members, as the roles table requires.
/// In both cases the key may not exceed its holder's membership where it is bound, and the
/// creator needs `issueKey` on that binding (``Policy``).
public enum KeyIssuance {
    public static func decide(creator: Principal, request: KeyRequest, holderRole: Role?) -> Decision {
        guard request.role.fits(request.binding) else { return .deny(.roleDoesNotFitBinding) }
        let policy = Policy.decide(creator, .issueKey, request.binding.resource)
        guard policy.isAllowed else { return policy }

        let requested = EffectiveRights.of(keyRole: request.role, holderRole: request.role, binding: request.binding)
        let holderRights = EffectiveRights.of(keyRole: holderRole ?? request.role, holderRole: holderRole, binding: request.binding)
        guard !requested.isEmpty, requested.isSubset(of: holderRights) else { return .deny(.exceedsHolderMembership) }

        if request.holder == creator.userID {
            guard requested.isSubset(of: creator.rights) else { return .deny(.exceedsCreatorRights) }
        } else {
            guard request.role.rank <= creator.role.rank else { return .deny(.exceedsCreatorRights) }
        }
        return .allow
    }

    /// The same rule for memberships: whoever may add members to the team may confer a team
    /// role that does not outrank their own.
    public static func decideMembership(creator: Principal, team: TeamReference, role: Role) -> Decision {
        guard role.fits(.team(team)) else { return .deny(.roleDoesNotFitBinding) }
        let policy = Policy.decide(creator, .addMember, .team(team))
        guard policy.isAllowed else { return policy }
        return role.rank <= creator.role.rank ? .allow : .deny(.exceedsCreatorRights)
    }
}
