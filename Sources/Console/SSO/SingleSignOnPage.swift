import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import NIOCore
import Tenancy

/// The provider and the attempts in flight of the console's single sign-on.
struct SingleSignOn: Sendable {
    let configuration: SingleSignOnConfiguration
    let provider: OpenIDProvider
    let attempts: SignInAttempts

    init(configuration: SingleSignOnConfiguration, now: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        provider = OpenIDProvider(configuration: configuration, now: now)
        attempts = SignInAttempts(lifetime: configuration.attemptLifetime, now: now)
    }
}

/// OpenID Connect sign-in: `GET /console/sso/start` sends the browser to the provider (code
/// flow with PKCE S256, `state` and `nonce`, the attempt bound to this browser by a cookie);
/// `GET /console/sso/callback` checks the attempt, exchanges the code, verifies the ID token,
/// finds or makes the user, applies the organization's group mappings and starts a console
/// session exactly like a key sign-in's (made from a key minted for it, bound where the user
/// holds their highest role, never shown). Every attempt is audited (`console.sso_start`,
/// `console.sso_sign_in`, a refusal with its reason code and the failed check as a flag); one
/// that tried a credential — a forged ID token, a code the provider refused — is counted by the
/// address blocking like a refused key (``SingleSignOnFailure/presentedCredential``).
struct SingleSignOnPage<Context: ConsoleRequestContext> {
    enum Event: String {
        case start = "console.sso_start"
        case signIn = "console.sso_sign_in"
    }

    let routes: ConsoleRoutes<Context>
    let flow: SingleSignOn
    private var gateway: Gateway { routes.gateway }

    func register(on router: some RouterMethods<Context>) {
        router.get("/console/sso/start", use: start)
        router.get("/console/sso/callback", use: callback)
    }

    @Sendable func start(_ request: Request, context: Context) async throws -> Response {
        let address = routes.clientAddress(request, context)
        let audit = RequestAudit(
            requestID: context.requestID, action: Event.start.rawValue, resource: "console session",
            clientAddress: address)
        return try await routes.recorded(audit) {
            do {
                try await gateway.intrusion.refuseIfBlocked(address, audit: audit)
                let browser = ConsoleSessions.newToken()
                let attempt = await flow.attempts.begin(
                    browser: browser, redirectURL: try redirectURL(for: request), address: address)
                let url = try await flow.provider.authorizationURL(state: attempt.state, attempt: attempt.attempt)
                audit.decided(.allow)
                return ConsoleResponse.redirect(to: url, cookie: routes.cookies.setSingleSignOn(browser))
            } catch let failure as SingleSignOnFailure {
                audit.flag(failure.check)
                audit.decided(.deny(failure.reason))
                return routes.signInPage(
                    status: .badGateway, ssoError: "The identity provider could not be reached; try again later.")
            } catch {
                let failure = ConsoleFailure.from(error)
                return routes.signInPage(status: HTTPResponse.Status(code: failure.status), ssoError: failure.message)
            }
        }
    }

    @Sendable func callback(_ request: Request, context: Context) async throws -> Response {
        let address = routes.clientAddress(request, context)
        let audit = RequestAudit(
            requestID: context.requestID, action: Event.signIn.rawValue, resource: "console session",
            clientAddress: address)
        return try await routes.recorded(audit) {
            let clearAttempt = routes.cookies.clearSingleSignOn()
            do {
                try await gateway.intrusion.refuseIfBlocked(address, audit: audit)
                let query = request.uri.queryParameters
                guard let state = query.get("state"), !state.isEmpty, state.utf8.count <= 128 else {
                    throw SingleSignOnFailure.state("sso.state_missing")
                }
                // Taken first, so a state is spent even by an attempt that fails later.
                let attempt = try await flow.attempts.take(
                    state: state, browser: routes.cookies.singleSignOnBrowser(in: request.headers))
                if query.get("error") != nil { throw SingleSignOnFailure.provider("sso.provider_error") }
                guard let code = query.get("code"), !code.isEmpty, code.utf8.count <= 4096 else {
                    throw SingleSignOnFailure.provider("sso.code_missing")
                }
                let idToken = try await flow.provider.exchange(code: code, attempt: attempt)
                let identity = try await flow.provider.verify(idToken: idToken, nonce: attempt.nonce)
                let terms = routes.sessions.terms
                let key = try await gateway.administration.provisionSingleSignOn(
                    identity, organization: flow.configuration.organization,
                    sessionExpiresAt: routes.now().addingTimeInterval(terms.lifetime), audit: audit)
                let signedIn = try await routes.sessions.signIn(key: key.revealed, audit: audit)
                audit.describe(action: Event.signIn.rawValue, resource: "console session")
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: true)
                return continuePage(
                    cookies: [
                        routes.cookies.set(signedIn.token, maxAge: Int(terms.lifetime)),
                        clearAttempt,
                    ])
            } catch let failure as SingleSignOnFailure {
                audit.flag(failure.check)
                audit.decided(.deny(failure.reason))
                // A token that failed verification, or a code the provider refused, tried a
                // credential (each refused code had the console send its client secret to the
                // provider). A callback with a missing, unknown or other browser's state tried
                // none — and any web page can make a browser send one (an image), so counting
                // it would let a site lock an office out of Atrium.
                await gateway.intrusion.requestEnded(
                    audit, address: address, presentedKey: failure.presentedCredential)
                return routes.signInPage(
                    status: failure.reason == .singleSignOnStateInvalid ? .badRequest : .unauthorized,
                    ssoError: "Single sign-on did not succeed; start again.", cookie: clearAttempt)
            } catch {
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: true)
                let failure = ConsoleFailure.from(error)
                let message =
                    failure.status == 403
                    ? "You are signed in at the identity provider, but hold no role here yet; ask an administrator."
                    : failure.message
                return routes.signInPage(
                    status: HTTPResponse.Status(code: failure.status), ssoError: message, cookie: clearAttempt)
            }
        }
    }

    /// The callback URL: configured, or this console's own from the request's `Host`.
    private func redirectURL(for request: Request) throws -> String {
        if let configured = flow.configuration.redirectURL { return configured }
        guard let host = request.head.authority, !host.isEmpty, host.utf8.count <= 255,
            host.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0))
            })
        else { throw ConsoleFailure(status: 400, message: "The request's Host is not valid.", field: nil) }
        let scheme = routes.configuration.secureCookies ? "https" : "http"
        return "\(scheme)://\(host)/console/sso/callback"
    }

    /// The session cookie is `SameSite=Strict`, which a browser withholds from every request of
    /// a navigation another site started — the provider's redirect — so the callback answers a
    /// page that moves on to the console by itself, a navigation of the console's own.
    private func continuePage(cookies: [String]) -> Response {
        var headers = ConsoleResponse.headers(contentType: "text/html; charset=utf-8")
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        let page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="0; url=/console">
            <title>Signed in · Atrium console</title>
            <link rel="stylesheet" href="/console/assets/console.css"></head>
            <body><main id="main"><p>Signed in. <a href="/console">Continue to the console</a>.</p></main></body></html>
            """
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
