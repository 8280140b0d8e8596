import HTTPTypes
import Testing

@testable import Console

/// The session cookie: its attributes, and which cookies count as a session token at all.
@Suite struct SessionCookieTests {
    static let token = String(repeating: "a", count: 40) + "-_Z"

    @Test func theCookieIsHttpOnlyStrictAndScopedToTheConsole() {
        let cookie = SessionCookie.set(Self.token, maxAge: 3600, secure: false)
        #expect(cookie == "atrium_console=\(Self.token); Path=/console; Max-Age=3600; HttpOnly; SameSite=Strict")
        #expect(SessionCookie.set(Self.token, maxAge: 1, secure: true).hasSuffix("; Secure"))
        #expect(SessionCookie.clear(secure: false).contains("Max-Age=0"))
    }

    @Test func readsTheTokenAmongOtherCookies() {
        var headers = HTTPFields()
        headers[.cookie] = "theme=dark; atrium_console=\(Self.token); other=1"
        #expect(SessionCookie.token(in: headers) == Self.token)
    }

    @Test func twoSessionCookiesOrAMalformedOneAreNone() {
        var twice = HTTPFields()
        twice[.cookie] = "atrium_console=\(Self.token); atrium_console=\(Self.token)"
        #expect(SessionCookie.token(in: twice) == nil)
        for value in [
            "", "short", Self.token + "x", String(repeating: "a", count: 42) + "=", String(repeating: "é", count: 43),
        ] {
            var headers = HTTPFields()
            headers[.cookie] = "atrium_console=\(value)"
            #expect(SessionCookie.token(in: headers) == nil, "\(value)")
        }
    }
}
