import Foundation

/// OpenID Connect single sign-on for the console (`--oidc-issuer`, `--oidc-client-id`,
/// `--oidc-client-secret` or its file or environment variable, `--oidc-organization`).
///
/// People who sign in through the identity provider become users of ``organization`` on their
/// first sign-in; that organization's group mappings (`PUT /v1/admin/orgs/{org}/sso/mappings`)
/// give them their team roles. The secret is never logged: `description` redacts it.
public struct SingleSignOnConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The issuer URL exactly as the provider's ID tokens write `iss`; discovery is read from
    /// `<issuer>/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    public var clientSecret: String
    /// The organization (id or name) SSO users join and whose group mappings apply.
    public var organization: String
    /// The ID token claim listing the person's groups (`--oidc-groups-claim`).
    public var groupsClaim: String
    /// The callback URL registered at the provider (`--oidc-redirect-url`); by default
    /// `http(s)://<Host>/console/sso/callback` of the request that started the sign-in.
    public var redirectURL: String?
    /// Clock skew tolerated on `exp` and `iat`.
    public var clockLeeway: TimeInterval
    /// How often, at most, an unknown key id makes the console fetch the provider's JWKS again
    /// (a rotated key); otherwise the keys are kept.
    public var keyRefreshInterval: TimeInterval
    /// How long a started sign-in may take at the provider.
    public var attemptLifetime: TimeInterval

    public init(
        issuer: String, clientID: String, clientSecret: String, organization: String, groupsClaim: String = "groups",
        redirectURL: String? = nil, clockLeeway: TimeInterval = 60, keyRefreshInterval: TimeInterval = 30,
        attemptLifetime: TimeInterval = 600
    ) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.organization = organization
        self.groupsClaim = groupsClaim
        self.redirectURL = redirectURL
        self.clockLeeway = clockLeeway
        self.keyRefreshInterval = keyRefreshInterval
        self.attemptLifetime = attemptLifetime
    }

    public var description: String {
        "SingleSignOnConfiguration(issuer: \(issuer), clientID: \(clientID), clientSecret: (redacted), "
            + "organization: \(organization))"
    }

    /// Whether `text` may be talked to: an https URL, or http on a loopback address (a provider
    /// on the same machine). The issuer and every endpoint its discovery names are held to it:
    /// the token exchange carries the client secret, and the keys decide which tokens verify.
    public static func isAllowedURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    }
}
