/// What a key may actually do, computed in one pure function:
/// **key ∩ membership ∩ team ∩ org**.
///
/// - *key*: the role the key was issued with;
/// - *membership*: the role its holder holds *now* where the key is bound (none: no rights),
///   so demoting or removing a user reaches their keys on the next request;
/// - *team ∩ org*: the binding's ceiling — only a team binding carries data-plane rights, so
///   organization and platform keys can never touch a team's data;
/// - *secret*: the secret a rotation replaced keeps working for its grace period, but only for
///   the data plane (chat, search, documents, embeddings) — the services that hold it keep
///   running while the new secret rolls out. No administration: whoever held a leaked secret
///   could otherwise mint a key that outlives the grace period, rotate the key away from its
///   holder, or remove its holder's membership and so revoke the new secret too.
public enum EffectiveRights {

    public static func of(keyRole: Role, holderRole: Role?, binding: AccessBinding, isPreviousSecret: Bool = false)
        -> Set<Action>
    {
        guard let holderRole, keyRole.fits(binding), holderRole.fits(binding) else { return [] }
        let rights = keyRole.actions.intersection(holderRole.actions).intersection(binding.ceiling)
        return isPreviousSecret ? rights.filter { $0.plane == .data } : rights
    }

    /// The role a key acts with: the key's own, or its holder's if that is now lower.
    public static func role(keyRole: Role, holderRole: Role) -> Role {
        holderRole.rank < keyRole.rank ? holderRole : keyRole
    }
}
