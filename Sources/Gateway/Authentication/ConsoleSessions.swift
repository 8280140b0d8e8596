import Crypto
import Foundation
import Store
import Tenancy

/// Web console sign-in: an API key exchanged for a server-side session. The browser holds
/// only the session token (in an HttpOnly cookie); the database holds only the token's
/// SHA-256 and the key's id and hash. Every request made with a session authenticates the
/// key again through ``RequestAuthenticator``, so a session ends with its key's revocation,
/// expiry, rotation (after the grace period) or its holder's loss of membership — and by
/// itself at ``SessionTerms/lifetime`` after sign-in or ``SessionTerms/idleTimeout`` after
/// its last use.
///
/// ```swift
/// let signedIn = try await sessions.signIn(key: form.key, audit: audit)   // 401 if refused
/// cookie = signedIn.token
/// let principal = try await sessions.resume(token: cookie, audit: audit)  // 401 once ended
/// ```
public struct ConsoleSessions: Sendable {
    /// How long a session may live and rest.
    public struct SessionTerms: Sendable, Hashable {
        public var lifetime: TimeInterval
        public var idleTimeout: TimeInterval

        /// Eight hours in all, thirty minutes idle.
        public static let standard = SessionTerms(lifetime: 8 * 3600, idleTimeout: 30 * 60)

        public init(lifetime: TimeInterval, idleTimeout: TimeInterval) {
            self.lifetime = lifetime
            self.idleTimeout = idleTimeout
        }
    }

    /// A new session: the token goes to the browser once and is never stored.
    public struct SignedIn: Sendable {
        public let token: String
        public let principal: Principal
        public let expiresAt: Date
    }

    /// Audit actions of the console's session events.
    public enum Event: String, Sendable {
        case signIn = "console.sign_in"
        case signOut = "console.sign_out"
        case sessionEnded = "console.session_ended"
    }

    private let repository: ConsoleSessionRepository
    private let singleSignOn: SingleSignOnRepository
    private let authenticator: RequestAuthenticator
    public let terms: SessionTerms
    private let now: @Sendable () -> Date

    public init(
        store: AtriumStore, authenticator: RequestAuthenticator, terms: SessionTerms = .standard,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        repository = store.consoleSessions
        singleSignOn = store.singleSignOn
        self.authenticator = authenticator
        self.terms = terms
        self.now = now
    }

    /// Checks `key` like any API request would and starts a session for it. The audit record
    /// (action `console.sign_in`) names the key, or the reason it was refused.
    /// - Throws: ``GatewayError`` 401 when the key is refused.
    public func signIn(key: String, audit: RequestAudit) async throws -> SignedIn {
        audit.describe(action: Event.signIn.rawValue, resource: "console session")
        let trimmed = key.trimmingCharacters(in: .whitespacesAndNewlines)
        let principal = try await authenticator.authenticate(authorization: "Bearer \(trimmed)", audit: audit)
        let token = Self.newToken()
        let instant = now()
        // Ended sessions are refused anyway; each sign-in clears them out of the table.
        try await repository.deleteEnded(at: instant, idleSince: instant.addingTimeInterval(-terms.idleTimeout))
        let expiresAt = instant.addingTimeInterval(terms.lifetime)
        try await repository.insert(
            ConsoleSession(
                tokenHash: Self.hash(token), keyID: principal.keyID, keyHash: APIKeyHash(of: trimmed),
                createdAt: instant, lastSeenAt: instant, expiresAt: expiresAt))
        audit.decided(.allow)
        return SignedIn(token: token, principal: principal, expiresAt: expiresAt)
    }

    /// The principal of a live session, its idle clock restarted. An ended session (unknown,
    /// expired, idle, or its key no longer working) is deleted and refused; the refusal is
    /// recorded in `audit` (action `console.session_ended` for a session that existed).
    /// - Throws: ``GatewayError`` 401.
    public func resume(token: String, audit: RequestAudit) async throws -> Principal {
        let tokenHash = Self.hash(token)
        guard let session = try await repository.session(tokenHash: tokenHash) else {
            audit.decided(.deny(.sessionEnded))
            throw GatewayError.denied(.sessionEnded)
        }
        let instant = now()
        if session.expiresAt <= instant || session.lastSeenAt.addingTimeInterval(terms.idleTimeout) <= instant {
            try await repository.delete(tokenHash: tokenHash)
            audit.describe(action: Event.sessionEnded.rawValue, resource: "console session")
            audit.decided(.deny(.sessionEnded))
            throw GatewayError.denied(.sessionEnded)
        }
        do {
            let principal = try await authenticator.authenticate(keyHash: session.keyHash, audit: audit)
            try await repository.touch(tokenHash: tokenHash, at: instant)
            return principal
        } catch let error as GatewayError where error.kind == .unauthenticated {
            try await repository.delete(tokenHash: tokenHash)
            audit.describe(action: Event.sessionEnded.rawValue, resource: "console session")
            throw error
        }
    }

    /// Ends the session (sign-out); recorded as `console.sign_out`.
    public func signOut(token: String, audit: RequestAudit) async throws {
        audit.describe(action: Event.signOut.rawValue, resource: "console session")
        let principal = try await resume(token: token, audit: audit)
        try await repository.delete(tokenHash: Self.hash(token))
        try await singleSignOn.endSessionKey(principal.keyID, now: now())
        audit.authenticated(principal)
        audit.decided(.allow)
    }

    /// A token derived from the session's own: a form or fetch proves with it that the page
    /// came from this console (CSRF), without the server storing anything more.
    public static func csrfToken(for sessionToken: String) -> String {
        let digest = SHA256.hash(data: Array(("atrium-console-csrf\u{0}" + sessionToken).utf8))
        return Data(digest).base64URLEncoded
    }

    /// 256 random bits, base64url: a session token, or any other unguessable value.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncoded
    }

    static func hash(_ token: String) -> String { APIKeyHash(of: token).hex }
}

extension Data {
    fileprivate var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
