import ArgumentParser
import Console
import Foundation

/// OpenID Connect single sign-on for the console on `atrium serve`: off unless `--oidc-issuer`
/// is given, and then the client id, a secret and the organization are required.
struct SingleSignOnOptions: ParsableArguments {
    @Option(
        name: .customLong("oidc-issuer"),
        help: ArgumentHelp(
            "The OpenID Connect provider's issuer URL (exactly as its ID tokens write 'iss'); turns on 'Sign in with SSO'.",
            valueName: "url"))
    var issuer: String?

    @Option(name: .customLong("oidc-client-id"), help: "The console's client id at the provider.")
    var clientID: String?

    @Option(
        name: .customLong("oidc-client-secret"),
        help:
            "The client secret. Visible to other users in the process list: prefer --oidc-client-secret-file or ATRIUM_OIDC_CLIENT_SECRET.")
    var clientSecret: String?

    @Option(
        name: .customLong("oidc-client-secret-file"),
        help: ArgumentHelp("A file holding the client secret (surrounding whitespace ignored).", valueName: "path"))
    var clientSecretFile: String?

    @Option(
        name: .customLong("oidc-organization"),
        help:
            "The organization (id or name) people signing in with SSO join on first sign-in; its group mappings (PUT /v1/admin/orgs/{org}/sso/mappings) give them their team roles."
    )
    var organization: String?

    @Option(
        name: .customLong("oidc-groups-claim"), help: "The ID token claim that lists the person's groups.")
    var groupsClaim = "groups"

    @Option(
        name: .customLong("oidc-redirect-url"),
        help: ArgumentHelp(
            "The callback URL registered at the provider (default: http(s)://<Host of the request>/console/sso/callback).",
            valueName: "url"))
    var redirectURL: String?

    func validate() throws {
        guard let issuer else {
            if clientID != nil || clientSecret != nil || clientSecretFile != nil || organization != nil {
                throw ValidationError("--oidc-client-id, secret and organization need --oidc-issuer")
            }
            return
        }
        guard SingleSignOnConfiguration.isAllowedURL(issuer) else {
            throw ValidationError("--oidc-issuer must be an https URL (http only on a loopback address)")
        }
        if let redirectURL, !SingleSignOnConfiguration.isAllowedURL(redirectURL) {
            throw ValidationError("--oidc-redirect-url must be an https URL (http only on a loopback address)")
        }
        guard clientID?.isEmpty == false else { throw ValidationError("--oidc-issuer needs --oidc-client-id") }
        guard organization?.isEmpty == false else { throw ValidationError("--oidc-issuer needs --oidc-organization") }
        guard clientSecret == nil || clientSecretFile == nil else {
            throw ValidationError("give --oidc-client-secret or --oidc-client-secret-file, not both")
        }
        guard !groupsClaim.isEmpty, groupsClaim.count <= 128 else {
            throw ValidationError("--oidc-groups-claim must be 1 to 128 characters")
        }
    }

    /// The configuration, reading the secret from the option, its file or the environment.
    func configuration(environment: [String: String]) throws -> SingleSignOnConfiguration? {
        guard let issuer, let clientID, let organization else { return nil }
        let secret: String
        if let clientSecret {
            secret = clientSecret
        } else if let clientSecretFile {
            do {
                secret = try String(contentsOfFile: clientSecretFile, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("--oidc-client-secret-file could not be read")
            }
        } else if let fromEnvironment = environment["ATRIUM_OIDC_CLIENT_SECRET"] {
            secret = fromEnvironment
        } else {
            throw ValidationError(
                "--oidc-issuer needs a client secret: --oidc-client-secret-file, ATRIUM_OIDC_CLIENT_SECRET or --oidc-client-secret")
        }
        guard !secret.isEmpty else { throw ValidationError("the OIDC client secret is empty") }
        return SingleSignOnConfiguration(
            issuer: issuer, clientID: clientID, clientSecret: secret, organization: organization,
            groupsClaim: groupsClaim, redirectURL: redirectURL)
    }
}
