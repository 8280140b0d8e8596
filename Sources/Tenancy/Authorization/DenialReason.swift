/// Why a request was refused. The raw value is the stable code written to the audit log.
public enum DenialReason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    // Authentication.
    case missingKey = "missing_key"
    case unknownKey = "unknown_key"
    case expiredKey = "expired_key"
    case revokedKey = "revoked_key"
    /// The key's holder no longer holds a role where the key is bound (removed or demoted).
    case membershipRevoked = "membership_revoked"
    /// A console session that is unknown, signed out, expired or idle too long.
    case sessionEnded = "session_ended"
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
    /// The requested key would outlive, or allow more than the limits of, the key minting it.
    case exceedsCreatorKey = "exceeds_creator_key"
    /// A console form or fetch without its session's CSRF token (a forged request).
    case csrfRejected = "csrf_token_invalid"
    /// The key's holder does not hold the requested role where the key would be bound.
    case exceedsHolderMembership = "exceeds_holder_membership"
    /// The role cannot be held at the requested binding.
    case roleDoesNotFitBinding = "role_does_not_fit_binding"
    // Limits (answered 429; the request did nothing and used nothing).
    /// The team's or the key's requests per minute are used up.
    case requestRateExceeded = "requests_per_minute_exceeded"
    /// The team's or the key's tokens per minute are used up.
    case tokenRateExceeded = "tokens_per_minute_exceeded"
    /// The team or the key already runs as many requests as it may at once.
    case concurrencyExceeded = "max_concurrent_exceeded"
    /// The team's tokens for this calendar month (UTC) are used up.
    case monthlyBudgetExhausted = "monthly_tokens_exhausted"
    /// A team's, user's or key's budget (tokens or cost) has no room for the request.
    case budgetExhausted = "budget_exhausted"
    // Intrusion detection.
    /// The client address is blocked after repeated failed keys.
    case addressBlocked = "address_blocked"
    // Guardrails (answered 400).
    /// The team's guardrails block an entity type or pattern found in the request.
    case guardrailBlocked = "guardrail_blocked"
    /// The team's guardrails block requests that read as a prompt injection.
    case promptInjection = "prompt_injection"
    // Single sign-on (answered 401; the audit's flags name the exact check, `sso.<check>`).
    /// The callback's `state` is unknown, used already, expired, or was started in another browser.
    case singleSignOnStateInvalid = "sso_state_invalid"
    /// The identity provider refused (an `error` callback, a refused code or PKCE verifier) or
    /// could not be reached.
    case singleSignOnProviderRefused = "sso_provider_refused"
    /// The ID token failed verification: signature, key, issuer, audience, time or nonce.
    case singleSignOnTokenInvalid = "sso_token_invalid"
    /// The signed-in person holds no role in the single sign-on organization (no mapped group,
    /// no membership made by hand).
    case singleSignOnNoAccess = "sso_no_access"
    // Before any decision.
    /// The request was refused before any authorization decision: its body malformed, or what
    /// it names missing; the record's `failed:<status>` flag holds the status.
    case invalidRequest = "invalid_request"
    // Failure (answered 5xx).
    /// The server failed before it could decide — its store unavailable, an internal error —
    /// so nothing was allowed; the record's `failed:<status>` flag holds the status.
    case serverFailure = "server_failure"

    /// Whether the failure is about identity (401) rather than permission (403).
    public var isAuthenticationFailure: Bool {
        switch self {
        case .missingKey, .unknownKey, .expiredKey, .revokedKey, .membershipRevoked, .sessionEnded: true
        case .singleSignOnStateInvalid, .singleSignOnProviderRefused, .singleSignOnTokenInvalid: true
        default: false
        }
    }

    /// Whether the refusal is about volume (429) — a limit or a blocked address — rather than
    /// identity or permission.
    public var isLimit: Bool {
        switch self {
        case .requestRateExceeded, .tokenRateExceeded, .concurrencyExceeded, .monthlyBudgetExhausted, .addressBlocked,
            .budgetExhausted:
            true
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
        case .sessionEnded: "the console session has ended; sign in again"
        case .csrfRejected: "the form did not carry this console session's token"
        case .roleNotAllowed: "the key's role does not allow this action"
        case .crossTenant: "the resource belongs to another team or organization"
        case .dataPlaneNeedsTeamKey: "data access needs a key issued inside the team"
        case .actionDoesNotApply: "the action does not apply to this resource"
        case .exceedsCreatorRights: "a key can only carry rights its creator may confer"
        case .exceedsCreatorKey: "a key can neither outlive nor out-limit the key that mints it"
        case .exceedsHolderMembership: "a key cannot carry more than its holder's role in the team"
        case .roleDoesNotFitBinding: "that role cannot be held there"
        case .requestRateExceeded: "too many requests per minute"
        case .tokenRateExceeded: "too many tokens per minute"
        case .concurrencyExceeded: "too many requests at once"
        case .monthlyBudgetExhausted: "the monthly token budget is used up"
        case .budgetExhausted: "a budget has no room for the request"
        case .addressBlocked: "this address is blocked after repeated failed keys"
        case .guardrailBlocked: "the team's guardrails block what the request contains"
        case .promptInjection: "the request reads as a prompt injection, which the team's guardrails block"
        case .singleSignOnStateInvalid: "the single sign-on attempt is unknown, used or expired; start again"
        case .singleSignOnProviderRefused: "the identity provider refused the sign-in"
        case .singleSignOnTokenInvalid: "the identity provider's ID token did not verify"
        case .singleSignOnNoAccess: "the signed-in person has no role in this organization yet"
        case .serverFailure: "the server failed before it could decide on the request"
        case .invalidRequest: "the request was refused before any decision on it"
        }
    }
}
