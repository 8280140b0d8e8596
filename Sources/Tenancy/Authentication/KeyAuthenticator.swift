import Foundation

/// The authenticate stage: turns a presented API key into a ``Principal`` — the only place
/// one (and so a ``TenantScope``) is ever made.
///
/// ```swift
/// let authenticator = KeyAuthenticator(lookup: store.keys)
/// let principal = try await authenticator.authenticate(authorizationHeader: request.headers[.authorization])
/// guard let scope = principal.tenantScope else { /* admin key: no data plane */ }
/// ```
///
/// Every call asks the lookup afresh: expiry, revocation and membership changes apply to the
/// very next request.
public struct KeyAuthenticator: Sendable {
    private let lookup: any KeyCredentialLookup
    private let now: @Sendable () -> Date

    public init(lookup: any KeyCredentialLookup, now: @escaping @Sendable () -> Date = { Date() }) {
        self.lookup = lookup
        self.now = now
    }

    /// Authenticates an `Authorization: Bearer <key>` header value.
    /// - Throws: ``AuthenticationFailure`` when refused, or the lookup's own error.
    public func authenticate(authorizationHeader: String?) async throws -> Principal {
        guard let header = authorizationHeader.map(Self.trimmed),
            header.count > Self.scheme.count,
            header.prefix(Self.scheme.count).lowercased() == Self.scheme
        else { throw AuthenticationFailure(.missingKey) }
        return try await authenticate(presentedKey: String(header.dropFirst(Self.scheme.count)))
    }

    /// Authenticates a presented key.
    /// - Throws: ``AuthenticationFailure`` when refused, or the lookup's own error.
    public func authenticate(presentedKey: String?) async throws -> Principal {
        let presented = presentedKey.map { String(Self.trimmed($0)) } ?? ""
        guard !presented.isEmpty else { throw AuthenticationFailure(.missingKey) }

        return try await authenticate(keyHash: APIKeyHash(of: presented))
    }

    /// Authenticates the key whose hash this is: what a console session keeps instead of the
    /// key, so the session holds exactly as long as its key would (revocation, expiry, a
    /// rotation's grace period and the holder's membership all apply at every request).
    /// - Throws: ``AuthenticationFailure`` when refused, or the lookup's own error.
    public func authenticate(keyHash hash: APIKeyHash) async throws -> Principal {
        guard let credentials = try await lookup.credentials(matching: hash),
            credentials.record.hash.constantTimeEquals(hash)
        else { throw AuthenticationFailure(.unknownKey) }

        let instant = now()
        let principal = try Self.principal(for: credentials, at: instant)
        try await lookup.recordUse(of: credentials.record.id, at: instant)
        return principal
    }

    /// What a key's credentials allow at `instant`: its role and rights, capped by its holder's
    /// current role.
    /// - Throws: ``AuthenticationFailure`` when the key is revoked or expired, or its holder
    ///   no longer has a role where it is bound.
    static func principal(for credentials: KeyCredentials, at instant: Date) throws -> Principal {
        let record = credentials.record
        let identity = KeyIdentity(record, isPreviousSecret: credentials.isPreviousSecret)
        switch record.status(at: instant) {
        case .revoked: throw AuthenticationFailure(.revokedKey, identity: identity)
        case .expired: throw AuthenticationFailure(.expiredKey, identity: identity)
        case .active: break
        }
        let rights = EffectiveRights.of(
            keyRole: record.role, holderRole: credentials.holderRole, binding: record.binding,
            isPreviousSecret: credentials.isPreviousSecret)
        guard let holderRole = credentials.holderRole, !rights.isEmpty else {
            throw AuthenticationFailure(.membershipRevoked, identity: identity)
        }
        let role = EffectiveRights.role(keyRole: record.role, holderRole: holderRole)
        return Principal(identity: identity, role: role, rights: rights)
    }

    private static let scheme = "bearer "

    /// `text` without leading and trailing white space (the standard library's own, not
    /// Foundation's bridged trimming: this runs on every request).
    private static func trimmed(_ text: String) -> Substring {
        var trimmed = text[...]
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        return trimmed
    }
}
