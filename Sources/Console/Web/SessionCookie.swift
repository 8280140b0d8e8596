import Foundation
import HTTPTypes

/// The console's session cookie: `HttpOnly` (no script reads it), `SameSite=Strict` (no
/// other site's page sends it), `Path=/console`, `Secure` when configured; never anything
/// but the random session token.
///
/// Before sign-in, a second cookie of the same kind (`atrium_console_sign_in`, on the sign-in
/// path only, ten minutes) carries a random nonce that the sign-in form repeats: another
/// site's form cannot send it (`SameSite=Strict`), so it cannot sign a visitor in with the
/// other site's key (login CSRF).
enum SessionCookie {
    static let name = "atrium_console"
    static let signInName = "atrium_console_sign_in"

    /// The session token the request carries, if any (a request carrying two is treated as
    /// carrying none).
    static func token(in headers: HTTPFields) -> String? {
        value(named: name, in: headers)
    }

    /// The sign-in nonce the request carries, if any.
    static func signInNonce(in headers: HTTPFields) -> String? {
        value(named: signInName, in: headers)
    }

    /// `Set-Cookie` for the sign-in page's nonce.
    static func setSignInNonce(_ nonce: String, secure: Bool) -> String {
        "\(signInName)=\(nonce); Path=/console/sign-in; Max-Age=600; HttpOnly; SameSite=Strict"
            + (secure ? "; Secure" : "")
    }

    /// Single sign-on's attempt cookie (`atrium_console_sso`, on the SSO paths only, ten
    /// minutes): a random value that binds a started sign-in to this browser. `SameSite=Lax`,
    /// not `Strict`: the provider's redirect back is a navigation another site started, and it
    /// must carry this cookie (it proves nothing by itself; the callback's `state` must match).
    static let singleSignOnName = "atrium_console_sso"

    static func singleSignOnBrowser(in headers: HTTPFields) -> String? {
        value(named: singleSignOnName, in: headers)
    }

    static func setSingleSignOn(_ value: String, secure: Bool) -> String {
        "\(singleSignOnName)=\(value); Path=/console/sso; Max-Age=600; HttpOnly; SameSite=Lax"
            + (secure ? "; Secure" : "")
    }

    static func clearSingleSignOn(secure: Bool) -> String {
        "\(singleSignOnName)=; Path=/console/sso; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    private static func value(named cookieName: String, in headers: HTTPFields) -> String? {
        var found: [String] = []
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                found.append(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        guard found.count == 1, let token = found.first, Self.isWellFormed(token) else { return nil }
        return token
    }

    /// `Set-Cookie` for a new session.
    static func set(_ token: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(token); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that makes the browser forget the session.
    static func clear(secure: Bool) -> String {
        "\(name)=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// base64url of 32 bytes: 43 characters of `A-Za-z0-9-_`. Anything else is not ours.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43
            && token.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
    }
}
