/// What a security alert is about. The raw value is stored and used as the metrics label.
public enum AlertKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// One client address presented too many failed keys and is blocked for a while.
    case addressBlocked = "address_blocked"
    /// A key reached for another team's or organization's resources.
    case crossTeamAttempt = "cross_team_attempt"
    /// A revoked key was presented.
    case revokedKeyUse = "revoked_key_use"
    /// A key tried to exceed its rights: minting a key or conferring a role above its own,
    /// or a team raising its own limits.
    case roleEscalation = "role_escalation"
    /// A team's guardrails blocked a request or an answer (the detail names the entity type,
    /// never the value).
    case guardrailBlock = "guardrail_block"
    /// A team's prompt-injection screening flagged, dropped or blocked text.
    case promptInjection = "prompt_injection"
    /// A team's, user's or key's budget passed its warning share (80 % by default) this period.
    case budgetWarning = "budget_warning"
}
