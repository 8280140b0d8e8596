/// Why a request was refused. The raw value is the stable code written to the audit log.
public enum DenialReason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    // Authentication.
    case missingKey = "missing_key"
    case unknownKey = "unknown_key"
    case expiredKey = "expired_key"
    case revokedKey = "revoked_key"
    /// The key's holder no longer holds a role where the key is bound (removed or demoted).
    case membershipRevoked = "membership_revoked"
    // Authorization.
    /// The principal's effective rights do not include the action.
    case roleNotAllowed = "role_not_allowed"
    /// The resource lies outside the key's team or organization: a cross-tenant attempt.
    case crossTenant = "cross_team_attempt"
    /// Data-plane work needs a key issued inside the team; admin keys never get it.
    case dataPlaneNeedsTeamKey = "data_plane_needs_team_key"
    /// The action is not about that kind of resource (a malformed request).
    case actionDoesNotApply = "action_does_not_apply"
    // Key issuance.
    /// The requested key would carry rights its creator may not confer.
    case exceedsCreatorRights = "exceeds_creator_rights"
    /// The key's holder does not hold the requested role where the key would be bound.
    case exceedsHolderMembership = "exceeds_holder_membership"
    /// The role cannot be held at the requested binding.
    case roleDoesNotFitBinding = "role_does_not_fit_binding"

    /// Whether the failure is about identity (401) rather than permission (403).
    public var isAuthenticationFailure: Bool {
        switch self {
        case .missingKey, .unknownKey, .expiredKey, .revokedKey, .membershipRevoked: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .missingKey: "no API key was presented"
        case .unknownKey: "the API key is not known"
        case .expiredKey: "the API key has expired"
        case .revokedKey: "the API key has been revoked"
        case .membershipRevoked: "the key's holder no longer has a role where the key is bound"
        case .roleNotAllowed: "the key's role does not allow this action"
        case .crossTenant: "the resource belongs to another team or organization"
        case .dataPlaneNeedsTeamKey: "data access needs a key issued inside the team"
        case .actionDoesNotApply: "the action does not apply to this resource"
        case .exceedsCreatorRights: "a key can only carry rights its creator may confer"
        case .exceedsHolderMembership: "a key cannot carry more than its holder's role in the team"
        case .roleDoesNotFitBinding: "that role cannot be held there"
        }
    }
}
