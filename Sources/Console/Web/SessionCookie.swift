import Foundation
import HTTPTypes

/// The console's cookies, named and scoped by the mode in force: `HttpOnly` (no script reads
/// them), never anything but a random value, and in two modes.
///
/// | | with `--console-secure-cookies` | without (plain HTTP, development) |
/// |---|---|---|
/// | session | `__Host-atrium_console`, `Path=/` | `atrium_console`, `Path=/console` |
/// | sign-in nonce | `__Host-atrium_console_sign_in`, `Path=/` | `atrium_console_sign_in`, `Path=/console/sign-in` |
/// | SSO attempt | `__Host-atrium_console_sso`, `Path=/` | `atrium_console_sso`, `Path=/console/sso` |
///
/// Why `__Host-`: cookies ignore ports and a sibling subdomain may set a cookie for its
/// parent, so a page served from another port of the console's host (or from
/// `evil.example.com` next to `atrium.example.com`) could otherwise set its own session's
/// token as `atrium_console` in a visitor's browser and swap the visitor into the attacker's
/// session — their uploads and questions then going to the attacker's team (cookie tossing).
/// A browser accepts a `__Host-` cookie only from a secure origin, with `Secure`, `Path=/` and
/// no `Domain`, so only this host's HTTPS origin can set one: hence `Path=/` in that mode (the
/// API never reads cookies, so the wider path grants nothing there). Browsers refuse `__Host-`
/// without `Secure`, so plain HTTP keeps the unprefixed names, and with them the tossing risk:
/// a development mode. Each mode reads only its own names.
///
/// The session cookie is `SameSite=Strict` (no other site's page sends it). Before sign-in,
/// the nonce cookie (ten minutes, also `Strict`) carries a random nonce that the sign-in form
/// repeats: another site's form cannot send it, so it cannot sign a visitor in with the other
/// site's key (login CSRF).
///
/// ```swift
/// let cookies = SessionCookie(secure: configuration.secureCookies)
/// let token = cookies.token(in: request.headers)
/// ```
struct SessionCookie: Sendable {
    /// `Secure` and `__Host-` names (``ConsoleConfiguration/secureCookies``).
    let secure: Bool

    init(secure: Bool) {
        self.secure = secure
    }

    /// The session cookie's name in this mode.
    var name: String { prefix + "atrium_console" }
    /// The sign-in nonce cookie's name in this mode.
    var signInName: String { prefix + "atrium_console_sign_in" }
    /// Single sign-on's attempt cookie's name in this mode.
    var singleSignOnName: String { prefix + "atrium_console_sso" }

    private var prefix: String { secure ? "__Host-" : "" }

    /// The session token the request carries, if any (a request carrying two is treated as
    /// carrying none).
    func token(in headers: HTTPFields) -> String? {
        Self.value(named: name, in: headers)
    }

    /// The sign-in nonce the request carries, if any.
    func signInNonce(in headers: HTTPFields) -> String? {
        Self.value(named: signInName, in: headers)
    }

    /// The single sign-on attempt's browser value the request carries, if any.
    func singleSignOnBrowser(in headers: HTTPFields) -> String? {
        Self.value(named: singleSignOnName, in: headers)
    }

    /// `Set-Cookie` for a new session.
    func set(_ token: String, maxAge: Int) -> String {
        cookie(name, token, path: "/console", maxAge: maxAge, sameSite: "Strict")
    }

    /// `Set-Cookie` that makes the browser forget the session.
    func clear() -> String {
        cookie(name, "", path: "/console", maxAge: 0, sameSite: "Strict")
    }

    /// `Set-Cookie` for the sign-in page's nonce.
    func setSignInNonce(_ nonce: String) -> String {
        cookie(signInName, nonce, path: "/console/sign-in", maxAge: 600, sameSite: "Strict")
    }

    /// Single sign-on's attempt cookie (ten minutes): a random value that binds a started
    /// sign-in to this browser. `SameSite=Lax`, not `Strict`: the provider's redirect back is a
    /// navigation another site started, and it must carry this cookie (it proves nothing by
    /// itself; the callback's `state` must match).
    func setSingleSignOn(_ value: String) -> String {
        cookie(singleSignOnName, value, path: "/console/sso", maxAge: 600, sameSite: "Lax")
    }

    func clearSingleSignOn() -> String {
        cookie(singleSignOnName, "", path: "/console/sso", maxAge: 0, sameSite: "Lax")
    }

    /// `path` is the plain mode's: a `__Host-` cookie must have `Path=/`.
    private func cookie(_ name: String, _ value: String, path: String, maxAge: Int, sameSite: String) -> String {
        "\(name)=\(value); Path=\(secure ? "/" : path); Max-Age=\(maxAge); HttpOnly; SameSite=\(sameSite)"
            + (secure ? "; Secure" : "")
    }

    /// Read as bytes, trimming only the blanks HTTP allows (space, tab): trimming Unicode
    /// white space or splitting on characters `String` deems equal to `;` (U+037E is) would
    /// let a cookie named `\u{A0}__Host-atrium_console`, or one whose value holds
    /// `\u{37E}__Host-atrium_console=…` — either of which any sibling may set, being no
    /// `__Host-` cookie to the browser — pass for ours. (The server's HTTP/1 codec hands the
    /// `Cookie` header over whole; `HTTPFields`' own cookie splitting would split at U+037E too.)
    private static func value(named cookieName: String, in headers: HTTPFields) -> String? {
        let wanted = Array(cookieName.utf8)
        var found: [String] = []
        for header in headers[values: .cookie] {
            for pair in header.utf8.split(separator: UInt8(ascii: ";")) {
                guard let equals = pair.firstIndex(of: UInt8(ascii: "=")),
                    trimmed(pair[..<equals]).elementsEqual(wanted)
                else { continue }
                found.append(String(decoding: trimmed(pair[pair.index(after: equals)...]), as: UTF8.self))
            }
        }
        guard found.count == 1, let token = found.first, Self.isWellFormed(token) else { return nil }
        return token
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }),
            let last = bytes.lastIndex(where: { !isBlank($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
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
