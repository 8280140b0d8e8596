import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import NIOCore
import Tenancy

/// The web console at `/console`: server-rendered pages over the same services as the HTTP
/// API (``AdministrationService``, ``ChatPipeline``), so the same ``Policy`` decides every
/// act — the console has no back door. `Server` mounts it on the API's router and port; the
/// API authenticates by the `Authorization` header alone and never reads the console's cookies.
///
/// Every request is audited like an API request (one record each; sign-in, sign-out and a
/// session's end under their own actions), goes through the address blocking of intrusion
/// detection, and a refused sign-in counts as a failed key (an unknown or ended session does
/// not: its token cannot be guessed, only planted). State-changing requests must
/// carry the session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
///
/// ```swift
/// ConsoleRoutes<AtriumRequestContext>(gateway: gateway, configuration: .init()) { request, context in
///     ClientAddress.of(peer: context.remoteAddress, headers: request.headers, trustForwardedFor: false)
/// }.register(on: router)
/// ```
public struct ConsoleRoutes<Context: ConsoleRequestContext>: Sendable {
    let gateway: Gateway
    let configuration: ConsoleConfiguration
    /// The cookies' names and scopes in the mode configured: read and set only through it.
    let cookies: SessionCookie
    let sessions: ConsoleSessions
    let templates: ConsoleTemplates
    /// OpenID Connect sign-in, when configured.
    let singleSignOn: SingleSignOn?
    /// The gateway's clock (key expiry, session times).
    let now: @Sendable () -> Date
    /// Where a request comes from, as the API's intrusion detection counts it.
    let clientAddress: @Sendable (Request, Context) -> String?

    public init(
        gateway: Gateway, configuration: ConsoleConfiguration, now: @escaping @Sendable () -> Date = { Date() },
        clientAddress: @escaping @Sendable (Request, Context) -> String?
    ) {
        self.gateway = gateway
        self.configuration = configuration
        cookies = SessionCookie(secure: configuration.secureCookies)
        sessions = ConsoleSessions(
            store: gateway.store, authenticator: gateway.authenticator, terms: configuration.sessionTerms, now: now)
        templates = ConsoleTemplates()
        singleSignOn = configuration.singleSignOn.map { SingleSignOn(configuration: $0, now: now) }
        self.now = now
        self.clientAddress = clientAddress
    }

    public func register(on router: some RouterMethods<Context>) {
        router.get("/console/assets/console.js") { _, _ in
            ConsoleResponse.asset(ConsoleAssets.script, contentType: "text/javascript; charset=utf-8")
        }
        router.get("/console/assets/console.css") { _, _ in
            ConsoleResponse.asset(ConsoleAssets.styleSheet, contentType: "text/css; charset=utf-8")
        }
        router.get("/console/sign-in") { _, _ in signInPage(status: .ok) }
        router.post("/console/sign-in", use: signIn)
        router.post("/console/sign-out", use: signOut)
        router.get("/console") { request, context in
            try await page(request, context) { signedIn in
                let principal = signedIn.principal
                return templates.render(
                    "home",
                    signedIn.view(current: "/console").merging([
                        "teamID": principal.teamID?.rawValue as Any,
                        "organizationID": principal.organizationID?.rawValue as Any,
                    ]) { $1 })
            }
        }
        DirectoryPages(routes: self).register(on: router)
        ProfilePage(routes: self).register(on: router)
        LimitsPage(routes: self).register(on: router)
        AuditPage(routes: self).register(on: router)
        AlertsPage(routes: self).register(on: router)
        UsagePage(routes: self).register(on: router)
        KnowledgePage(routes: self).register(on: router)
        PlaygroundPage(routes: self).register(on: router)
        if let singleSignOn { SingleSignOnPage(routes: self, flow: singleSignOn).register(on: router) }
    }

    // MARK: Sign-in and sign-out

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let address = clientAddress(request, context)
        let audit = RequestAudit(
            requestID: context.requestID, action: ConsoleSessions.Event.signIn.rawValue, resource: "console session",
            clientAddress: address)
        return try await recorded(audit) {
            do {
                try await gateway.intrusion.refuseIfBlocked(address, audit: audit)
                let form = try await formBody(request)
                guard let nonce = cookies.signInNonce(in: request.headers),
                    let presented = try form.value("nonce"),
                    ConstantTime.equals(Array(presented.utf8), Array(nonce.utf8))
                else { throw ConsoleFailure.csrf }
                let key = try form.value("key") ?? ""
                let signedIn = try await sessions.signIn(key: key, audit: audit)
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: true)
                let cookie = cookies.set(signedIn.token, maxAge: Int(configuration.sessionTerms.lifetime))
                return ConsoleResponse.redirect(to: "/console", cookie: cookie)
            } catch let failure as ConsoleFailure where failure.status == 403 {
                // No nonce: not this console's sign-in form. No key was tried, none is counted.
                audit.decided(.deny(.csrfRejected))
                return signInPage(status: .forbidden, error: failure.message)
            } catch {
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: true)
                let failure = ConsoleFailure.from(error)
                // One message for every refused key: which check failed is the audit's to know.
                let message = failure.status == 401 ? "That key was not accepted." : failure.message
                return signInPage(status: HTTPResponse.Status(code: failure.status), error: message)
            }
        }
    }

    /// The sign-in form, with a fresh nonce in the form and in its cookie (and `cookie`, if
    /// given); the single sign-on button when it is configured.
    func signInPage(
        status: HTTPResponse.Status, error: String? = nil, ssoError: String? = nil, cookie: String? = nil
    ) -> Response {
        let nonce = ConsoleSessions.newToken()
        // Absent keys, not `nil` values: a template section treats a boxed `nil` as a value.
        var values: [String: Any] = ["nonce": nonce, "singleSignOn": singleSignOn != nil]
        if let error { values["keyError"] = error }
        if let ssoError { values["ssoError"] = ssoError }
        var response = ConsoleResponse.html(
            templates.render("sign-in", values), status: status,
            cookie: cookies.setSignInNonce(nonce))
        if let cookie { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        let address = clientAddress(request, context)
        let audit = RequestAudit(
            requestID: context.requestID, action: ConsoleSessions.Event.signOut.rawValue, resource: "console session",
            clientAddress: address)
        return try await recorded(audit) {
            let clear = cookies.clear()
            guard let token = cookies.token(in: request.headers) else {
                audit.decided(.deny(.sessionEnded))
                return signInRedirect(clearing: false)
            }
            do {
                let form = try await formBody(request)
                try CSRFCheck.verify(request, form: form, sessionToken: token)
                try await sessions.signOut(token: token, audit: audit)
            } catch let failure as ConsoleFailure {
                audit.decided(.deny(.csrfRejected))
                return errorPage(failure)
            } catch {
                // An ended session is signed out already.
            }
            return ConsoleResponse.redirect(to: "/console/sign-in", cookie: clear)
        }
    }

    // MARK: Pages and actions

    /// A page for a signed-in principal: `render` draws it, any refusal becomes an error page
    /// with the API's status and message, a missing or ended session the sign-in page.
    func page(
        _ request: Request, _ context: Context, action: String = "console.page",
        render: (SignedInRequest) async throws -> String
    ) async throws -> Response {
        try await handle(request, context, action: action, changesState: false) { signedIn in
            ConsoleResponse.html(try await render(signedIn))
        }
    }

    /// A state-changing request (a form post or a script's fetch): CSRF-checked first.
    func handle(
        _ request: Request, _ context: Context, action: String, changesState: Bool,
        body: (SignedInRequest) async throws -> Response
    ) async throws -> Response {
        let address = clientAddress(request, context)
        let audit = RequestAudit(
            requestID: context.requestID, action: action,
            resource: "\(request.method.rawValue) \(request.uri.path)", clientAddress: address)
        return try await recorded(audit) {
            let token = cookies.token(in: request.headers)
            var signedIn: SignedInRequest?
            do {
                try await gateway.intrusion.refuseIfBlocked(address, audit: audit)
                guard let token else {
                    audit.decided(.deny(.sessionEnded))
                    return signInRedirect(clearing: false)
                }
                var form = FormBody("")
                if changesState {
                    // A form post carries its token in the body; a script's fetch (JSON, a file's
                    // bytes) in the header, and its body stays unread for the handler.
                    form = try await isForm(request) ? formBody(request) : FormBody("")
                    try CSRFCheck.verify(request, form: form, sessionToken: token)
                }
                let principal: Principal
                do {
                    principal = try await sessions.resume(token: token, audit: audit)
                } catch let error as GatewayError where error.kind == .unauthenticated {
                    // Audited, but no failed key: a session token is 256 random bits, so an unknown
                    // or ended one is no guess — and any page able to plant a cookie (another port
                    // of this host, a sibling subdomain) could otherwise get an office's one NAT
                    // address blocked, API clients included. Keys are guessed at the sign-in form,
                    // which still counts.
                    await gateway.intrusion.requestEnded(audit, address: address, presentedKey: false)
                    return signInRedirect(clearing: true)
                }
                let resumed = SignedInRequest(
                    principal: principal, audit: audit, csrf: ConsoleSessions.csrfToken(for: token), form: form,
                    request: request)
                signedIn = resumed
                let response = try await body(resumed)
                // A page that called no service (the overview) was still allowed; a denial recorded
                // by a service stays (the first decision counts).
                if response.status.code < 400 { audit.decided(.allow) }
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: true)
                return response
            } catch {
                let failure = ConsoleFailure.from(error)
                if failure.status == 403, error is ConsoleFailure { audit.decided(.deny(.csrfRejected)) }
                await gateway.intrusion.requestEnded(audit, address: address, presentedKey: token != nil)
                return errorPage(failure, signedIn: signedIn)
            }
        }
    }

    /// Answers with `respond`'s response once the request's record is committed, as the API
    /// does: a crash right after must lose no record of a sign-in, a refused key or a change.
    /// While records cannot be committed nothing is served (a 503 page at once, `respond` not
    /// run, its record queued), and an answer whose record did not commit in time is withheld.
    func recorded(_ audit: RequestAudit, _ respond: () async throws -> Response) async throws -> Response {
        let accountant = gateway.accountant
        if accountant.isFailing {
            audit.flag("storage.unavailable")
            audit.answered(status: 503)
            accountant.finish(audit)
            return errorPage(ConsoleFailure(Accountant.unrecordable))
        }
        let response: Response
        do {
            response = try await respond()
        } catch {
            _ = await accountant.settle(audit, status: 500)
            throw error
        }
        // A streamed answer's record is written by the pipeline when its stream ends.
        guard await accountant.settle(audit, status: response.status.code) else {
            return errorPage(ConsoleFailure(Accountant.unrecordable))
        }
        return response
    }

    /// The failure's status and message; with the navigation when the session was resumed.
    func errorPage(_ failure: ConsoleFailure, signedIn: SignedInRequest? = nil) -> Response {
        let heading =
            switch failure.status {
            case 403: "Not allowed"
            case 404: "Not found"
            case 429: "Too many requests"
            default: "Something went wrong"
            }
        var view = signedIn?.view(current: "") ?? [:]
        view["heading"] = heading
        view["message"] = failure.message
        return ConsoleResponse.html(templates.render("error", view), status: HTTPResponse.Status(code: failure.status))
    }

    /// To the sign-in page; `clearing` an ended session's cookie (a request that carried none
    /// — another site's form, say — changes nothing in the browser).
    func signInRedirect(clearing: Bool) -> Response {
        ConsoleResponse.redirect(to: "/console/sign-in", cookie: clearing ? cookies.clear() : nil)
    }

    func formBody(_ request: Request) async throws -> FormBody {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.maximumFormBytes)
        } catch {
            throw ConsoleFailure.tooLarge
        }
        return FormBody(String(buffer: buffer))
    }

    func isForm(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
    }
}
