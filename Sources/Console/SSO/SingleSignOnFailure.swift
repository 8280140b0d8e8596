import Tenancy

/// Why an SSO sign-in was refused: the audit's reason code and the exact check (an audit
/// flag, `sso.<check>`). The browser is told only that single sign-on failed; never the token.
struct SingleSignOnFailure: Error, Sendable, Equatable {
    let reason: DenialReason
    let check: String

    static func state(_ check: String) -> Self { Self(reason: .singleSignOnStateInvalid, check: check) }
    static func provider(_ check: String) -> Self { Self(reason: .singleSignOnProviderRefused, check: check) }
    static func token(_ check: String) -> Self { Self(reason: .singleSignOnTokenInvalid, check: check) }
}
