import Store
import Tenancy

/// Which finished requests raise a security alert, and what the alert says.
///
/// The detail names the action and the reason only — never the resource: a cross-tenant
/// resource string holds the other tenant's resolved ids, which the alert's readers (the
/// attempting key's own team and organization admins) must not learn.
enum AlertRule {
    /// Actions that confer or widen rights: refusing one for lack of rights is an escalation
    /// attempt (a team admin raising its own limits, a member minting keys).
    static let escalatingActions: Set<String> = [
        Action.issueKey.rawValue, Action.addMember.rawValue, Action.appointOrganizationAdmin.rawValue,
        Action.setLimits.rawValue, Action.createOrganization.rawValue,
    ]

    /// The alert a request's outcome raises, if any (blocked addresses are alerted by the
    /// tracker, once per block).
    static func alert(for reason: DenialReason, action: String) -> (kind: AlertKind, detail: String)? {
        switch reason {
        case .crossTenant:
            (.crossTeamAttempt, "\(action) refused: \(reason.description)")
        case .revokedKey:
            (.revokedKeyUse, "a revoked key was presented (\(action))")
        case .exceedsCreatorRights, .exceedsCreatorKey:
            (.roleEscalation, "\(action) refused: \(reason.description)")
        case .roleNotAllowed where escalatingActions.contains(action):
            (.roleEscalation, "\(action) refused: \(reason.description)")
        default:
            nil
        }
    }
}
