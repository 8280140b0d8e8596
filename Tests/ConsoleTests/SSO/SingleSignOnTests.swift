import Console
import Foundation
import HTTPTypes
import Store
import Tenancy
import Testing

/// OpenID Connect sign-in through the console's real routes against a real (test) provider on
/// a loopback port: users made on first sign-in, group mappings applied at every sign-in, every
/// forged, stale or replayed answer refused and audited.
@Suite struct SingleSignOnTests {
    static let salesMapping = #"{"mappings":[{"group":"sales-eng","team":"sales","role":"member"}]}"#

    @Test func theSignInPageOffersSingleSignOnOnlyWhenConfigured() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            let page = try await browser.get("/console/sign-in")
            #expect(page.body.contains(#"href="/console/sso/start""#))
        }
        let plain = try ConsoleWorld()
        try await plain.test { browser in
            let page = try await browser.get("/console/sign-in")
            #expect(!page.body.contains("/console/sso/start"))
            let start = try await browser.get("/console/sso/start")
            #expect(start.status == 404, "no such route")
        }
    }

    @Test func theStartSendsPKCEStateAndNonceBoundToTheBrowser() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            let start = try await browser.get("/console/sso/start")
            #expect(start.status == 303)
            let location = try #require(start.location.flatMap(URLComponents.init(string:)))
            let query = Dictionary(uniqueKeysWithValues: (location.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(location.path == "/authorize")
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["code_challenge"]?.count == 43)
            #expect(query["state"]?.count == 43 && query["nonce"]?.count == 43 && query["state"] != query["nonce"])
            #expect(query["client_id"] == TestOpenIDProvider.clientID)
            #expect(query["redirect_uri"] == SingleSignOnFixture.callback)
            let cookie = try #require(start.headers[values: .setCookie].first { $0.hasPrefix("atrium_console_sso=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/console/sso"))
        }
        let started = try await fixture.lastRecord("console.sso_start")
        #expect(started.allowed)
    }

    /// With secure cookies the attempt's cookie is a `__Host-` cookie on `Path=/` like the
    /// session's (no other port or subdomain can plant either); the plain name binds nothing.
    @Test func withSecureCookiesTheAttemptAndTheSessionAreHostCookies() async throws {
        let fixture = try await SingleSignOnFixture.make(secureCookies: true)
        try await fixture.world.test(live: true) { browser in
            #expect(try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!).status == 200)
            let start = try await browser.get("/console/sso/start")
            let attempt = try #require(start.headers[values: .setCookie].first)
            #expect(attempt.hasPrefix("__Host-atrium_console_sso="))
            #expect(attempt.contains("; Path=/;") && attempt.contains("SameSite=Lax") && attempt.hasSuffix("; Secure"))
            let value = try #require(browser.cookies["__Host-atrium_console_sso"])

            // The same attempt's value under the plain name: not this browser's attempt.
            browser.cookies["__Host-atrium_console_sso"] = nil
            browser.cookies["atrium_console_sso"] = value
            let refused = try await browser.get(try await fixture.provider.authorize(try #require(start.location)))
            #expect(refused.status == 400)
            #expect(browser.cookie == nil)
            browser.cookies["atrium_console_sso"] = nil

            let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(answer.status == 200, "\(answer.body)")
            let session = try #require(answer.setCookie)
            #expect(session.hasPrefix("__Host-atrium_console=") && session.contains("; Path=/;"))
            let cleared = try #require(
                answer.headers[values: .setCookie].first { $0.hasPrefix("__Host-atrium_console_sso=") })
            #expect(cleared.contains("Max-Age=0") && cleared.contains("; Path=/;"))
            #expect(browser.cookies["__Host-atrium_console_sso"] == nil)
            #expect(try await browser.get("/console").status == 200)
        }
    }

    /// Over a real loopback socket, like a browser: the console and the provider each on a port.
    @Test func aFirstSignInCreatesTheUserTheMembershipAndASession() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test(live: true) { browser in
            #expect(try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!).status == 200)
            let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(answer.status == 200, "\(answer.body)")
            let cookie = try #require(answer.setCookie)
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            #expect(browser.cookie?.count == 43)
            #expect(browser.cookies["atrium_console_sso"] == nil, "the attempt's cookie is cleared")
            let home = try await browser.get("/console")
            #expect(home.status == 200)
            #expect(home.body.contains("member"))
            // The session works the console like a key sign-in's: the team's playground is open.
            #expect(try await browser.get("/console/playground").status == 200)
        }
        let user = try #require(try await fixture.world.store.users.user(address: "erika"))
        #expect(user.email == "erika@example.com")
        let acme = try await fixture.team("sales").organizationID
        #expect(try await fixture.world.store.users.isMember(user.id, of: acme))
        #expect(try await fixture.role(of: "erika", in: "sales") == .member)
        let record = try await fixture.lastRecord("console.sso_sign_in")
        #expect(record.allowed)
        #expect(record.userID == user.id)
        #expect(record.flags.contains("sso.user_created") && record.flags.contains("sso.membership_added"))
    }

    @Test func theSameSubjectSignsInAsTheSameUserEvenUnderANewName() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            fixture.provider.person.preferredUsername = "erika.renamed"
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
        }
        #expect(try await fixture.world.store.users.user(address: "erika.renamed") == nil)
        let record = try await fixture.lastRecord("console.sso_sign_in")
        #expect(!record.flags.contains("sso.user_created"))
    }

    @Test func aRemovedGroupRemovesItsMembershipButNeverOneMadeByHand() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            let mappings = #"""
                {"mappings":[{"group":"sales-eng","team":"sales","role":"member"},
                {"group":"dev","team":"acme/development","role":"viewer"},
                {"group":"dev-leads","team":"development","role":"admin"}]}
                """#
            let saved = try await fixture.putMappings(browser, mappings, key: fixture.keys["dave"]!)
            #expect(saved.status == 200)
            fixture.provider.person.groups = ["sales-eng", "dev"]
            let signedIn = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(signedIn.status == 200)
        }
        #expect(try await fixture.role(of: "erika", in: "sales") == .member)
        #expect(try await fixture.role(of: "erika", in: "development") == .viewer)
        try await fixture.world.test { browser in
            // A group that now maps higher changes the SSO-made role.
            fixture.provider.person.groups = ["sales-eng", "dev", "dev-leads"]
            let signedIn = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(signedIn.status == 200)
        }
        #expect(try await fixture.role(of: "erika", in: "development") == .teamAdmin)
        try await fixture.world.test { browser in
            // dave makes the development membership his own: a later sign-in leaves it alone.
            let made = try await browser.send(
                .put, "/v1/admin/teams/acme%2Fdevelopment/members/erika", body: #"{"role":"member"}"#,
                headers: [.authorization: "Bearer \(fixture.keys["dave"]!)", .contentType: "application/json"])
            #expect(made.status == 200, "\(made.body)")
            fixture.provider.person.groups = []
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
        }
        #expect(try await fixture.role(of: "erika", in: "sales") == nil, "the group is gone: so is the membership")
        #expect(try await fixture.role(of: "erika", in: "development") == .member, "made by hand: kept")
        let record = try await fixture.lastRecord("console.sso_sign_in")
        #expect(record.flags.contains("sso.membership_removed"))
    }

    /// An SSO team admin mints a key for a colleague in the console, signs out, then loses the
    /// group. Signing out deleted the session's key, which cut the line the offboarding revokes
    /// down from the person's keys: the minted key kept working (probe 5).
    @Test func aKeyMintedInASignedOutSessionDiesWithTheGroup() async throws {
        let fixture = try await SingleSignOnFixture.make()
        let leads = #"{"mappings":[{"group":"sales-leads","team":"sales","role":"admin"}]}"#
        let secret = try await fixture.world.test { browser -> String in
            #expect(try await fixture.putMappings(browser, leads, key: fixture.keys["dave"]!).status == 200)
            fixture.provider.person.groups = ["sales-leads"]
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            let csrf = try await browser.csrf()
            let issued = try await browser.post(
                "/console/teams/acme%2Fsales/keys", form: [("user", "bob"), ("role", "member"), ("csrf", csrf)])
            #expect(issued.status == 201)
            let field = try #require(issued.body.range(of: #"id="secret" readonly value=""#))
            let secret = String(issued.body[field.upperBound...].prefix { $0 != "\"" })
            #expect(try await browser.post("/console/sign-out", form: [("csrf", csrf)]).status == 303)
            fixture.provider.person.groups = []
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 403)
            return secret
        }
        #expect(secret.hasPrefix("atr_"))
        await #expect(throws: (any Error).self, "minted by an offboarded admin's session") {
            try await fixture.world.gateway.authenticator.authenticate(
                authorization: "Bearer \(secret)", audit: .init(requestID: "t", action: "t", resource: "t"))
        }
    }

    @Test func withoutAnyRoleThereIsNoSession() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            fixture.provider.person.groups = ["unmapped"]
            let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(answer.status == 403)
            #expect(answer.body.contains("hold no role here yet"))
            #expect(browser.cookie == nil)
        }
        let record = try await fixture.lastRecord("console.sso_sign_in")
        #expect(!record.allowed)
        #expect(record.reason == DenialReason.singleSignOnNoAccess.rawValue)
        // The refusal made a user all the same: the record says so, and whom (probe 5).
        let erika = try #require(try await fixture.world.store.users.user(address: "erika"))
        #expect(record.userID == erika.id && record.flags == ["sso.user_created"])
        #expect(record.organizationID == (try await fixture.team("sales").organizationID), "its admins see it")
    }

    /// The offboarding sign-in — the group gone, so no role left — is the one an auditor looks
    /// for: it was recorded with neither the user nor the membership it removed (probe 5).
    @Test func anOffboardingSignInIsAuditedWithTheUserAndWhatItRemoved() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            fixture.provider.person.groups = []
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 403)
        }
        #expect(try await fixture.role(of: "erika", in: "sales") == nil)
        let record = try await fixture.expectLastSignInRefused(.singleSignOnNoAccess, flags: ["sso.membership_removed"])
        #expect(record.userID == (try await fixture.world.store.users.user(address: "erika"))?.id)
    }

    /// A returning person whose user name an administrator gave to someone else meanwhile
    /// cannot be let in as that name's holder: refused as holding no access, and said why
    /// (it was a bare "action does not apply").
    @Test func aReturningPersonWhoseNameWasTakenIsRefusedAndToldWhy() async throws {
        let fixture = try await SingleSignOnFixture.make()
        let dave: HTTPFields = [.authorization: "Bearer \(fixture.keys["dave"]!)", .contentType: "application/json"]
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            let removed = try await browser.send(.delete, "/v1/admin/orgs/acme/users/erika", body: "", headers: dave)
            #expect(removed.status == 204, "\(removed.body)")
            let made = try await browser.send(
                .post, "/v1/admin/users", body: #"{"name":"erika","org":"acme"}"#, headers: dave)
            #expect(made.status == 201, "\(made.body)")
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 403)
        }
        try await fixture.expectLastSignInRefused(.singleSignOnNoAccess, flags: ["sso.name_taken"])
    }

    @Test(arguments: [
        (TestOpenIDProvider.Defect.tamperedSignature, "sso.signature"),
        (.wrongAudience, "sso.audience"),
        (.wrongNonce, "sso.nonce"),
        (.expired, "sso.expired"),
        (.wrongIssuer, "sso.issuer"),
        (.unknownKey, "sso.unknown_key"),
        (.notYetValid, "sso.not_yet_valid"),
        (.foreignAuthorizedParty, "sso.audience"),
        (.algorithmNotAnnounced, "sso.algorithm"),
    ])
    func aForgedOrStaleIDTokenIsRefusedAndAudited(defect: TestOpenIDProvider.Defect, check: String) async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            fixture.provider.defect = defect
            let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(answer.status == 401)
            #expect(answer.setCookie == nil)
            #expect(browser.cookie == nil)
            #expect(answer.body.contains("Single sign-on did not succeed"))
            #expect(!answer.body.contains("eyJ"), "no token in the page")
        }
        #expect(try await fixture.world.store.users.user(address: "erika") == nil, "nobody was made")
        let record = try await fixture.lastRecord("console.sso_sign_in")
        #expect(!record.allowed)
        #expect(record.reason == DenialReason.singleSignOnTokenInvalid.rawValue)
        #expect(record.flags == [check])
    }

    /// The token exchange carries the client secret: discovery may not send it over plain http
    /// off this machine. A failed discovery is remembered, so starts cannot make the console
    /// flood the provider.
    @Test func discoveryNamingAPlainHTTPEndpointElsewhereIsRefusedAndRemembered() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            fixture.provider.defect = .insecureEndpoint
            let first = try await browser.get("/console/sso/start")
            #expect(first.status == 502)
            let fetches = fixture.provider.discoveryFetches
            #expect(fetches == 1)
            let second = try await browser.get("/console/sso/start")
            #expect(second.status == 502)
            #expect(fixture.provider.discoveryFetches == fetches, "asked the provider again at once")
        }
    }

    @Test func aStateIsUsedOnceAndOnlyInTheBrowserThatStartedIt() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            // Another browser cannot finish this browser's attempt (and spends it).
            let stolen = try await browser.startSingleSignOn(at: fixture.provider)
            let other = ConsoleBrowser(client: browser.client)
            #expect(try await other.get(stolen).status == 400)
            #expect(try await fixture.lastRecord("console.sso_sign_in").flags == ["sso.browser_mismatch"])
            #expect(try await browser.get(stolen).status == 400, "spent by the failed try")
            // A replayed callback is refused.
            let callback = try await browser.startSingleSignOn(at: fixture.provider)
            #expect(try await browser.get(callback).status == 200)
            browser.cookies["atrium_console_sso"] = "A" + String(repeating: "b", count: 42)
            let replayed = try await browser.get(callback)
            #expect(replayed.status == 400)
        }
        try await fixture.expectLastSignInRefused(.singleSignOnStateInvalid, flags: ["sso.state_unknown"])
    }

    @Test func aCodeRedeemedWithAnotherAttemptsVerifierIsRefusedByPKCE() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            // An attacker's own attempt, fed a code the victim's attempt was given.
            let victim = try await ConsoleBrowser(client: browser.client).startSingleSignOn(at: fixture.provider)
            let attacker = try await browser.startSingleSignOn(at: fixture.provider)
            let victimCode = try #require(URLComponents(string: victim)?.queryItems?.first { $0.name == "code" }?.value)
            let answer = try await browser.get(try SingleSignOnFixture.replacingCode(in: attacker, with: victimCode))
            #expect(answer.status == 401)
            #expect(browser.cookie == nil)
        }
        #expect(fixture.provider.refusedExchanges == 1)
        try await fixture.expectLastSignInRefused(.singleSignOnProviderRefused, flags: ["sso.token_exchange"])
    }

    /// Each callback with a made-up code has the console send its client id and secret to the
    /// provider's token endpoint: one anonymous client had it do so 2,000 times in 12 s, and was
    /// never blocked (probe 5). A code the provider refuses now counts like a refused key.
    @Test func codesTheProviderRefusesBlockTheAddress() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test(live: true) { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            for _ in 0..<20 {
                let callback = try await browser.startSingleSignOn(at: fixture.provider)
                #expect(try await browser.get(try SingleSignOnFixture.replacingCode(in: callback, with: "made-up")).status == 401)
            }
            #expect(try await browser.get("/console/sso/start").status == 429, "twenty refused codes: blocked")
        }
        #expect(fixture.provider.refusedExchanges == 20)
        try await fixture.expectLastSignInRefused(.singleSignOnProviderRefused, flags: ["sso.token_exchange"])
    }

    /// The console held 8 connections to the provider (the shared HTTP client's): eight token
    /// exchanges the provider was slow to answer queued every other sign-in behind them for
    /// their whole 10 s (probe 5). Its own client holds 64.
    @Test func slowTokenExchangesDoNotHoldUpOtherSignIns() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            fixture.provider.holdsExchanges = true
            var slow: [(ConsoleBrowser, String)] = []
            for _ in 0..<12 {
                let other = ConsoleBrowser(client: browser.client)
                slow.append((other, try await other.startSingleSignOn(at: fixture.provider)))
            }
            fixture.provider.holdsExchanges = false
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (other, callback) in slow { group.addTask { try await other.get(callback).status } }
                let waitingSince = ContinuousClock.now
                while fixture.provider.heldExchanges < slow.count, ContinuousClock.now - waitingSince < .seconds(5) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(fixture.provider.heldExchanges == slow.count, "every slow exchange reached the provider")
                let started = ContinuousClock.now
                let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
                #expect(answer.status == 200, "\(answer.body)")
                #expect(ContinuousClock.now - started < .seconds(5), "queued behind the slow ones")
                fixture.provider.releaseHeldExchanges()
                for try await status in group { #expect(status == 200) }
            }
        }
    }

    /// Discovery's endpoints are held to https or loopback, but a redirect was followed
    /// anywhere: a token endpoint's 307 re-sent the code and PKCE verifier to another address
    /// (probe 5). No provider request follows a redirect now; one is the provider's failure.
    @Test(arguments: [
        (TestOpenIDProvider.Defect.redirectingTokenEndpoint, "sso.token_exchange"), (.redirectingKeys, "sso.jwks"),
    ])
    func aProviderRedirectIsNotFollowed(defect: TestOpenIDProvider.Defect, check: String) async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            fixture.provider.defect = defect
            let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(answer.status == 401)
            #expect(browser.cookie == nil)
        }
        #expect(fixture.provider.redirectsFollowed == 0)
        try await fixture.expectLastSignInRefused(.singleSignOnProviderRefused, flags: [check])
    }

    @Test func aRotatedKeyIsFetchedOnceAtMostEveryRefreshInterval() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            #expect(fixture.provider.jwksFetches == 1)
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            #expect(fixture.provider.jwksFetches == 1, "known keys are kept")
            fixture.provider.rotateKey()
            // Within the refresh interval, an unknown key id does not reach the provider again.
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 401)
            #expect(fixture.provider.jwksFetches == 1)
            fixture.world.advance(by: 31)
            let answer = try await browser.signInWithSingleSignOn(at: fixture.provider)
            #expect(answer.status == 200, "\(answer.body)")
            #expect(fixture.provider.jwksFetches == 2)
        }
    }

    @Test func anEndedSSOSessionIsAuditedLikeAnyOther() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 200)
            let csrf = try await browser.csrf()
            let out = try await browser.post("/console/sign-out", form: [("csrf", csrf)])
            #expect(out.status == 303)
            #expect(try await browser.get("/console").location == "/console/sign-in")
        }
        let record = try await fixture.lastRecord("console.sign_out")
        #expect(record.allowed)
        let owner = try await KeyAuthenticator(lookup: fixture.world.store.keys).authenticate(
            presentedKey: ConsoleWorld.ownerKey)
        let sessionKeys = try await fixture.world.store.keys.list(visibleTo: owner).filter {
            $0.name == SingleSignOnRepository.sessionKeyName
        }
        #expect(sessionKeys.isEmpty, "the session's key outlived its sign-out")
        let erika = try await fixture.world.store.users.user(address: "erika")
        #expect(record.userID == erika?.id)
    }

    /// A forged token tried a credential: twenty block the address like twenty refused keys. A
    /// forged or missing state tried none — and any web page can make a visitor's browser send
    /// such a callback — so those never block anyone.
    @Test func forgedTokensBlockTheAddressButForgedStatesDoNot() async throws {
        let fixture = try await SingleSignOnFixture.make()
        try await fixture.world.test(live: true) { browser in
            _ = try await fixture.putMappings(browser, Self.salesMapping, key: fixture.keys["dave"]!)
            for attempt in 0..<25 {
                let forged = try await browser.get("/console/sso/callback?code=x&state=forged\(attempt)")
                #expect(forged.status == 400)
            }
            #expect(try await browser.get("/console/sso/start").status == 303, "forged states blocked the address")
            fixture.provider.defect = .tamperedSignature
            for _ in 0..<20 {
                #expect(try await browser.signInWithSingleSignOn(at: fixture.provider).status == 401)
            }
            // Blocked now: neither a new start nor a genuine callback gets through.
            let start = try await browser.get("/console/sso/start")
            #expect(start.status == 429)
            #expect(browser.cookie == nil)
        }
        let record = try await fixture.lastRecord("console.sso_start")
        #expect(record.reason == DenialReason.addressBlocked.rawValue)
    }
}
