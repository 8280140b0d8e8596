import AtriumTestSupport
import Foundation
import Gateway
import HTTPTypes
import Store
import Tenancy
import Testing

/// Sign-in exchanges a key for a server-side session: the cookie holds only a random token,
/// the database only its hash; the session ends with sign-out, expiry, idleness and its
/// key's revocation — and every step is audited.
@Suite struct ConsoleSessionTests {
    @Test func signingInSetsAnHttpOnlyStrictCookieThatIsNotTheKey() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            let answer = try await browser.signIn(keys["bob"]!)
            #expect(answer.status == 303)
            #expect(answer.location == "/console")
            let cookie = try #require(answer.setCookie)
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/console"))
            #expect(!cookie.contains("Secure"))
            #expect(!cookie.contains(keys["bob"]!))
            let token = try #require(browser.cookie)
            #expect(token.count == 43)
            let home = try await browser.get("/console")
            #expect(home.status == 200)
            #expect(home.body.contains("member"))
            #expect(!home.body.contains(keys["bob"]!))
        }
    }

    /// The console answers as the API does: once the request's record is committed. While the
    /// audit log cannot be written (a trigger here refuses every record, as a full disk would)
    /// it serves nothing — a 503 page, nothing done — and it serves again once records commit,
    /// those of the refused requests included.
    @Test(.timeLimit(.minutes(1))) func nothingIsServedWhileTheAuditLogCannotBeWritten() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            #expect(try await browser.signIn(keys["bob"]!).status == 303)
            try await RefusingAuditLog.refuse(home: world.directory)
            // The first answer waits for its record, then is withheld; the writer now fails.
            #expect(try await browser.get("/console").status == 503)
            #expect(world.writer.isFailing)
            let refused = try await browser.get("/console")
            #expect(refused.status == 503 && refused.body.contains("audit log cannot be written"))
            let stranger = ConsoleBrowser(client: browser.client)
            #expect(try await stranger.signIn(keys["alice"]!).status == 503, "no sign-in either")
            try await RefusingAuditLog.lift(home: world.directory)
            #expect(await world.writer.flush(waitingAtMost: .seconds(20)))
            #expect(try await browser.get("/console").status == 200)
        }
        let unavailable = try await world.auditRecords().filter { $0.flags.contains("storage.unavailable") }
        #expect(unavailable.count == 2, "the refused page and sign-in are recorded: \(unavailable.count)")
    }

    @Test func theSessionTableKeepsOnlyHashes() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let token = try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            return try #require(browser.cookie)
        }
        // The token itself finds nothing: only its SHA-256 is the row's key.
        #expect(try await world.store.consoleSessions.session(tokenHash: token) == nil)
        let stored = try #require(try await world.store.consoleSessions.session(tokenHash: APIKeyHash(of: token).hex))
        #expect(stored.tokenHash != token)
        #expect(stored.keyHash.constantTimeEquals(APIKeyHash(of: keys["bob"]!)))
    }

    @Test func secureCookiesWhenConfigured() async throws {
        let world = try ConsoleWorld(secureCookies: true)
        let keys = try await world.scenario()
        try await world.test { browser in
            let answer = try await browser.signIn(keys["bob"]!)
            #expect(answer.setCookie?.contains("; Secure") == true)
        }
    }

    /// Each mode's names and paths, on every cookie the console sets through sign-in and
    /// sign-out: with secure cookies `__Host-` names (`Secure`, `Path=/`, no `Domain`), which no
    /// page of another port or a sibling subdomain can set; without, the plain names on the
    /// console's paths (browsers refuse `__Host-` without `Secure`).
    @Test(arguments: [false, true]) func theCookiesNamesAndPathsFollowTheMode(secure: Bool) async throws {
        let world = try ConsoleWorld(secureCookies: secure)
        let keys = try await world.scenario()
        let prefix = secure ? "__Host-" : ""
        try await world.test { browser in
            let form = try await browser.get("/console/sign-in")
            let signIn = try await browser.signIn(keys["bob"]!)
            let home = try await browser.get("/console")
            #expect(home.status == 200)
            let out = try await browser.post("/console/sign-out", form: [("csrf", try #require(home.csrf))])
            #expect(out.status == 303)
            let nonce = try #require(form.headers[values: .setCookie].first)
            let session = try #require(signIn.setCookie)
            let cleared = try #require(out.setCookie)
            #expect(nonce.hasPrefix("\(prefix)atrium_console_sign_in="))
            #expect(session.hasPrefix("\(prefix)atrium_console="))
            #expect(cleared.hasPrefix("\(prefix)atrium_console=;") && cleared.contains("Max-Age=0"))
            #expect(nonce.contains(secure ? "; Path=/;" : "; Path=/console/sign-in;"))
            #expect(session.contains(secure ? "; Path=/;" : "; Path=/console;"))
            #expect(cleared.contains(secure ? "; Path=/;" : "; Path=/console;"))
            for set in [nonce, session, cleared] {
                #expect(set.hasSuffix("; Secure") == secure, "\(set)")
                #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Domain"))
            }
        }
    }

    /// Each mode reads only its own names: with secure cookies a planted `atrium_console` —
    /// what cookie tossing sets — is no session, not even a valid token's, and never displaces
    /// the visitor's own; a sign-in nonce under the plain name signs nobody in.
    @Test(arguments: [false, true]) func aCookieUnderTheOtherModesNameIsNoSession(secure: Bool) async throws {
        let world = try ConsoleWorld(secureCookies: secure)
        let keys = try await world.scenario()
        let otherName = secure ? "atrium_console" : "__Host-atrium_console"
        try await world.test { browser in
            try await browser.signIn(keys["carol"]!)
            let carolsToken = try #require(browser.cookie)
            let planted = ConsoleBrowser(client: browser.client, sessionCookieName: browser.sessionCookieName)
            planted.cookies[otherName] = carolsToken
            let page = try await planted.get("/console")
            #expect(page.status == 303)
            #expect(page.location == "/console/sign-in")
            guard secure else { return }

            // The visitor's own session stays theirs with the attacker's token planted beside it.
            let victim = ConsoleBrowser(client: browser.client, sessionCookieName: browser.sessionCookieName)
            try await victim.signIn(keys["bob"]!)
            victim.cookies[otherName] = carolsToken
            let home = try await victim.get("/console")
            #expect(home.status == 200)
            #expect(home.body.contains(try await world.teamID("acme/sales")))
            #expect(!home.body.contains(try await world.teamID("acme/development")))

            // The sign-in nonce under its plain name is no nonce.
            let form = try await planted.get("/console/sign-in")
            let nonce = try #require(planted.cookies["__Host-atrium_console_sign_in"])
            planted.cookies["__Host-atrium_console_sign_in"] = nil
            planted.cookies["atrium_console_sign_in"] = nonce
            #expect(form.body.contains(nonce))
            let forged = try await planted.post("/console/sign-in", form: [("key", keys["bob"]!), ("nonce", nonce)])
            #expect(forged.status == 403)
            #expect(planted.cookie == nil)
        }
    }

    @Test func aWrongKeyIsRefusedAuditedAndGetsNoCookie() async throws {
        let world = try ConsoleWorld()
        _ = try await world.scenario()
        try await world.test { browser in
            let answer = try await browser.signIn("atr_not-a-real-key")
            #expect(answer.status == 401)
            #expect(answer.setCookie == nil)
            #expect(browser.cookie == nil)
            #expect(answer.body.contains("That key was not accepted."))
            #expect(!answer.body.contains("atr_not-a-real-key"))
            let home = try await browser.get("/console")
            #expect(home.status == 303)
            #expect(home.location == "/console/sign-in")
        }
        let record = try #require(try await world.auditRecords().first { $0.action == "console.sign_in" })
        #expect(!record.allowed)
        #expect(record.reason == "unknown_key")
    }

    @Test func signInAndSignOutAreAuditedAndSignOutEndsTheSession() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let token = try #require(browser.cookie)
            let csrf = try await browser.csrf()
            let out = try await browser.post("/console/sign-out", form: [("csrf", csrf)])
            #expect(out.status == 303)
            #expect(out.setCookie?.contains("Max-Age=0") == true)
            // The old cookie, replayed, no longer works.
            browser.cookie = token
            let again = try await browser.get("/console")
            #expect(again.location == "/console/sign-in")
        }
        let records = try await world.auditRecords()
        let signIn = try #require(records.first { $0.action == "console.sign_in" })
        #expect(signIn.allowed)
        #expect(signIn.keyPrefix != nil)
        let signOut = try #require(records.first { $0.action == "console.sign_out" })
        #expect(signOut.allowed)
        #expect(signOut.keyPrefix == signIn.keyPrefix)
    }

    @Test func aSessionDiesWithItsKeysRevocation() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            #expect(try await browser.get("/console").status == 200)
            let alice = try await world.gateway.authenticator.authenticate(
                authorization: "Bearer \(keys["alice"]!)",
                audit: RequestAudit(requestID: "t", action: "t", resource: "t"))
            let bobsKey = try await world.gateway.authenticator.authenticate(
                authorization: "Bearer \(keys["bob"]!)", audit: RequestAudit(requestID: "t", action: "t", resource: "t")
            )
            _ = try await world.gateway.administration.revokeKey(
                bobsKey.keyID.rawValue, principal: alice,
                audit: RequestAudit(requestID: "t", action: "t", resource: "t"))
            let after = try await browser.get("/console")
            #expect(after.status == 303)
            #expect(after.location == "/console/sign-in")
            #expect(try await world.store.consoleSessions.count(keyID: bobsKey.keyID) == 0)
        }
        let ended = try #require(try await world.auditRecords().first { $0.action == "console.session_ended" })
        #expect(ended.reason == "revoked_key")
    }

    @Test func anIdleSessionEndsAndSoDoesAnOldOne() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            world.advance(by: 599)
            #expect(try await browser.get("/console").status == 200)
            world.advance(by: 601)
            #expect(try await browser.get("/console").location == "/console/sign-in")

            // Used every few minutes, it still ends at its lifetime (an hour here).
            try await browser.signIn(keys["bob"]!)
            for _ in 0..<11 {
                world.advance(by: 300)
                #expect(try await browser.get("/console").status == 200)
            }
            world.advance(by: 300)
            #expect(try await browser.get("/console").location == "/console/sign-in")
        }
        let ended = try await world.auditRecords().filter { $0.action == "console.session_ended" }
        #expect(ended.count == 2)
        #expect(ended.allSatisfy { $0.reason == "session_ended" })
    }

    @Test func aSignInWithoutTheFormsNonceIsRefusedAndTriesNoKey() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            // What another site's form would send: the key, but neither nonce nor its cookie.
            let forged = try await browser.post("/console/sign-in", form: [("key", keys["bob"]!), ("nonce", "x")])
            #expect(forged.status == 403)
            #expect(browser.cookie == nil)
        }
        let record = try #require(try await world.auditRecords().first { $0.action == "console.sign_in" })
        #expect(record.reason == "csrf_token_invalid")
        #expect(record.keyPrefix == nil)
    }

    @Test func aKeyHoldsAtMostSixteenSessionsAndTheOldestGoesFirst() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            let first = try #require(browser.cookie)
            for _ in 0..<16 {
                world.advance(by: 1)
                let other = ConsoleBrowser(client: browser.client)
                try await other.signIn(keys["bob"]!)
                #expect(try await other.get("/console").status == 200)
            }
            browser.cookie = first
            #expect(try await browser.get("/console").location == "/console/sign-in")
        }
        let bob = try await world.gateway.authenticator.authenticate(
            authorization: "Bearer \(keys["bob"]!)", audit: RequestAudit(requestID: "t", action: "t", resource: "t"))
        #expect(try await world.store.consoleSessions.count(keyID: bob.keyID) == 16)
    }

    @Test func theOverviewIsAuditedAsAllowed() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(keys["bob"]!)
            #expect(try await browser.get("/console").status == 200)
        }
        let page = try #require(try await world.auditRecords().first { $0.action == "console.page" })
        #expect(page.allowed)
        #expect(page.keyPrefix != nil)
    }

    @Test func aForgedOrMalformedCookieIsNoSession() async throws {
        let world = try ConsoleWorld()
        _ = try await world.scenario()
        try await world.test { browser in
            for forged in [String(repeating: "A", count: 43), "x", "<script>", String(repeating: "A", count: 4000)] {
                browser.cookie = forged
                let page = try await browser.get("/console")
                #expect(page.status == 303)
                #expect(page.location == "/console/sign-in")
            }
        }
    }

    /// A session token is 256 random bits: an unknown or ended one is no guess, and any page
    /// able to plant a cookie could otherwise get a whole office (one NAT address) blocked, API
    /// clients included. Each is still audited and sent to sign-in with its cookie cleared;
    /// wrong keys at the sign-in form still block.
    @Test func aPlantedUnknownSessionCookieDoesNotBlockTheAddress() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        let api: HTTPFields = [.authorization: "Bearer \(keys["bob"]!)"]
        try await world.test(live: true) { browser in
            // An ended session too: signed in, then out.
            try await browser.signIn(keys["bob"]!)
            let ended = try #require(browser.cookie)
            let csrf = try await browser.csrf()
            #expect(try await browser.post("/console/sign-out", form: [("csrf", csrf)]).status == 303)
            for attempt in 0..<30 {
                browser.cookie = attempt.isMultiple(of: 2) ? ConsoleSessions.newToken() : ended
                let page = try await browser.get("/console")
                #expect(page.status == 303 && page.location == "/console/sign-in")
                #expect(page.setCookie?.contains("Max-Age=0") == true, "the cookie is cleared")
            }
            #expect(try await browser.send(.get, "/v1/models", body: "", headers: api).status == 200)
            #expect(try await browser.signIn(keys["bob"]!).status == 303)

            for _ in 0..<20 {
                #expect(try await browser.signIn("atr_wrong").status == 401)
            }
            #expect(try await browser.send(.get, "/v1/models", body: "", headers: api).status == 429)
        }
        let refused = try await world.auditRecords().filter { $0.reason == "session_ended" }
        #expect(refused.count >= 30)
    }

    @Test func repeatedWrongKeysBlockTheAddressLikeTheAPI() async throws {
        let world = try ConsoleWorld()
        let keys = try await world.scenario()
        try await world.test(live: true) { browser in
            for _ in 0..<20 {
                #expect(try await browser.signIn("atr_wrong").status == 401)
            }
            // Blocked now, even with the right key.
            let blocked = try await browser.signIn(keys["bob"]!)
            #expect(blocked.status == 429)
            #expect(blocked.setCookie == nil)
        }
    }
}
