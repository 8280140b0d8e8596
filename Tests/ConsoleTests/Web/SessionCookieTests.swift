import HTTPTypes
import Testing

@testable import Console

/// The console's cookies: their names and attributes in each mode, and which cookies count as
/// a session token at all.
@Suite struct SessionCookieTests {
    static let token = String(repeating: "a", count: 40) + "-_Z"
    static let plain = SessionCookie(secure: false)
    static let secure = SessionCookie(secure: true)

    @Test func withoutSecureCookiesTheCookiesArePlainAndScopedToTheirPaths() {
        let cookies = Self.plain
        #expect(
            cookies.set(Self.token, maxAge: 3600)
                == "atrium_console=\(Self.token); Path=/console; Max-Age=3600; HttpOnly; SameSite=Strict")
        #expect(cookies.clear() == "atrium_console=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict")
        #expect(
            cookies.setSignInNonce(Self.token)
                == "atrium_console_sign_in=\(Self.token); Path=/console/sign-in; Max-Age=600; HttpOnly; "
                + "SameSite=Strict")
        #expect(
            cookies.setSingleSignOn(Self.token)
                == "atrium_console_sso=\(Self.token); Path=/console/sso; Max-Age=600; HttpOnly; SameSite=Lax")
        #expect(
            cookies.clearSingleSignOn() == "atrium_console_sso=; Path=/console/sso; Max-Age=0; HttpOnly; SameSite=Lax")
    }

    /// A browser takes a `__Host-` cookie only with `Secure`, `Path=/` and no `Domain` — and only
    /// from this host's HTTPS origin, which is what stops another port or subdomain planting one.
    @Test func withSecureCookiesEveryCookieIsAHostCookie() {
        let cookies = Self.secure
        #expect(
            cookies.set(Self.token, maxAge: 3600)
                == "__Host-atrium_console=\(Self.token); Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure")
        #expect(cookies.clear() == "__Host-atrium_console=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure")
        #expect(
            cookies.setSignInNonce(Self.token)
                == "__Host-atrium_console_sign_in=\(Self.token); Path=/; Max-Age=600; HttpOnly; SameSite=Strict; "
                + "Secure")
        #expect(
            cookies.setSingleSignOn(Self.token)
                == "__Host-atrium_console_sso=\(Self.token); Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure")
        #expect(
            cookies.clearSingleSignOn()
                == "__Host-atrium_console_sso=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure")
        let sets = [cookies.set(Self.token, maxAge: 1), cookies.setSignInNonce(Self.token), cookies.setSingleSignOn("x")]
        for set in sets {
            #expect(set.hasPrefix("__Host-") && set.contains("; Path=/;") && !set.contains("Domain"), "\(set)")
        }
    }

    @Test func eachModeReadsOnlyItsOwnNames() {
        var plainNames = HTTPFields()
        plainNames[.cookie] =
            "atrium_console=\(Self.token); atrium_console_sign_in=\(Self.token); atrium_console_sso=\(Self.token)"
        var hostNames = HTTPFields()
        hostNames[.cookie] =
            "__Host-atrium_console=\(Self.token); __Host-atrium_console_sign_in=\(Self.token); "
            + "__Host-atrium_console_sso=\(Self.token)"
        for (cookies, own, other) in [(Self.plain, plainNames, hostNames), (Self.secure, hostNames, plainNames)] {
            #expect(cookies.token(in: own) == Self.token)
            #expect(cookies.signInNonce(in: own) == Self.token)
            #expect(cookies.singleSignOnBrowser(in: own) == Self.token)
            #expect(cookies.token(in: other) == nil)
            #expect(cookies.signInNonce(in: other) == nil)
            #expect(cookies.singleSignOnBrowser(in: other) == nil)
        }
    }

    /// What a sibling can set is no `__Host-` cookie to the browser, so it must not read as one
    /// here: a name that differs in case or carries Unicode white space, or a value with a
    /// character `String` holds equal to `;` (U+037E) ahead of our name. Each header is one
    /// field, as the server's HTTP/1 codec hands it over (it does not split cookies; the
    /// `HTTPFields` subscript would, at U+037E too).
    @Test func aLookalikeNameOrASmuggledSeparatorIsNotTheHostCookie() {
        for header in [
            "__host-atrium_console=\(Self.token)", "\u{A0}__Host-atrium_console=\(Self.token)",
            "__Host-atrium_console\u{2003}=\(Self.token)", "theme=dark\u{37E}__Host-atrium_console=\(Self.token)",
            "theme=dark\u{37E} __Host-atrium_console=\(Self.token)",
        ] {
            let headers = HTTPFields([HTTPField(name: .cookie, value: header)])
            #expect(Self.secure.token(in: headers) == nil, "\(header)")
        }
        // The blanks HTTP allows around a pair still do.
        let headers = HTTPFields([
            HTTPField(name: .cookie, value: "theme=dark;\t__Host-atrium_console=\(Self.token) ; other=1")
        ])
        #expect(Self.secure.token(in: headers) == Self.token)
    }

    @Test func readsTheTokenAmongOtherCookies() {
        var headers = HTTPFields()
        headers[.cookie] = "theme=dark; atrium_console=\(Self.token); other=1"
        #expect(Self.plain.token(in: headers) == Self.token)
    }

    @Test func twoSessionCookiesOrAMalformedOneAreNone() {
        for cookies in [Self.plain, Self.secure] {
            var twice = HTTPFields()
            twice[.cookie] = "\(cookies.name)=\(Self.token); \(cookies.name)=\(Self.token)"
            #expect(cookies.token(in: twice) == nil)
            for value in [
                "", "short", Self.token + "x", String(repeating: "a", count: 42) + "=",
                String(repeating: "é", count: 43),
            ] {
                var headers = HTTPFields()
                headers[.cookie] = "\(cookies.name)=\(value)"
                #expect(cookies.token(in: headers) == nil, "\(value)")
            }
        }
    }
}
