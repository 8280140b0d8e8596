/// What a key may actually do, computed in one pure function:
/// **key ∩ membership ∩ team ∩ org**.
///
/// - *key*: the role the key was issued with;
/// - *membership*: the role its holder holds *now* where the key is bound (none: no rights),
///   so demoting or removing a user reaches their keys on the next request;
/// - *team ∩ org*: the binding's ceiling — only a team binding carries data-plane rights, so
///   organization and platform keys can never touch a team's data;
/// - *secret*: the secret a rotation replaced keeps working for its grace period, but only to
///   use the key — never to mint, rotate or revoke keys, or whoever held a leaked secret could
///   mint a key that outlives the grace period, or rotate the key away from its holder.
public enum EffectiveRights {
    /// What a key presented with its previous secret may not do.
    public static let keyManagement: Set<Action> = [.issueKey, .revokeKey]

    public static func of(keyRole: Role, holderRole: Role?, binding: AccessBinding, isPreviousSecret: Bool = false)
        -> Set<Action>
    {
        guard let holderRole, keyRole.fits(binding), holderRole.fits(binding) else { return [] }
        let rights = keyRole.actions.intersection(holderRole.actions).intersection(binding.ceiling)
        return isPreviousSecret ? rights.subtracting(keyManagement) : rights
    }

    /// The role a key acts with: the key's own, or its holder's if that is now lower.
    public static func role(keyRole: Role, holderRole: Role) -> Role {
        holderRole.rank < keyRole.rank ? holderRole : keyRole
    }
}
