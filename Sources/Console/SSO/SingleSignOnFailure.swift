import Tenancy

/// Why an SSO sign-in was refused: the audit's reason code and the exact check (an audit
/// flag, `sso.<check>`). The browser is told only that single sign-on failed; never the token.
struct SingleSignOnFailure: Error, Sendable, Equatable {
    let reason: DenialReason
    let check: String
    /// Whether the callback tried a credential that was refused — an ID token that did not
    /// verify, or a code the provider would not redeem — so that it counts toward blocking the
    /// address like a refused key. Both need a live state and its browser's cookie, which no
    /// other site can make a visitor's browser send; a bad state needs neither, so it never
    /// counts.
    let presentedCredential: Bool

    static func state(_ check: String) -> Self {
        Self(reason: .singleSignOnStateInvalid, check: check, presentedCredential: false)
    }
    static func provider(_ check: String) -> Self {
        Self(reason: .singleSignOnProviderRefused, check: check, presentedCredential: false)
    }
    static func token(_ check: String) -> Self {
        Self(reason: .singleSignOnTokenInvalid, check: check, presentedCredential: true)
    }
    /// The provider refused to redeem the callback's code: each such callback had made the
    /// console send its client id and secret to the token endpoint, without limit.
    static let codeRefused = Self(
        reason: .singleSignOnProviderRefused, check: "sso.token_exchange", presentedCredential: true)
}
