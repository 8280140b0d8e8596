import Gateway

/// How the console signs people in.
public struct ConsoleConfiguration: Sendable, Hashable {
    /// Marks the console's cookies `Secure` and names them `__Host-atrium_console…` with
    /// `Path=/` (`--console-secure-cookies`), so no page of another port or a sibling
    /// subdomain can plant one (``SessionCookie``): on whenever the console is reached over
    /// TLS, at a proxy in front or otherwise. Off, they keep their plain names and console paths.
    public var secureCookies: Bool
    /// Session lifetime and idle timeout (`--console-session-hours`, `--console-idle-minutes`).
    public var sessionTerms: ConsoleSessions.SessionTerms
    /// Form bodies above this answer 413.
    public var maximumFormBytes: Int
    /// Document uploads above this answer 413 (the server sets its `--max-upload-bytes`).
    public var maximumUploadBytes: Int
    /// OpenID Connect single sign-on (`--oidc-issuer` …); `nil`: key sign-in only.
    public var singleSignOn: SingleSignOnConfiguration?

    public init(
        secureCookies: Bool = false, sessionTerms: ConsoleSessions.SessionTerms = .standard,
        maximumFormBytes: Int = 256 << 10, maximumUploadBytes: Int = 16 << 20,
        singleSignOn: SingleSignOnConfiguration? = nil
    ) {
        self.singleSignOn = singleSignOn
        self.secureCookies = secureCookies
        self.sessionTerms = sessionTerms
        self.maximumFormBytes = maximumFormBytes
        self.maximumUploadBytes = maximumUploadBytes
    }
}
