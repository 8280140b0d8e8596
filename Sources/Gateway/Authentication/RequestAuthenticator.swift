import Foundation
import Store
import Tenancy

/// The authenticate stage: the `Authorization` header → a ``Principal``, or a 401 that is
/// audited with its reason (unknown, expired, revoked key; holder no longer a member).
public struct RequestAuthenticator: Sendable {
    private let authenticator: KeyAuthenticator

    public init(
        store: AtriumStore, writer: AccountingWriter, cache: DirectoryCache, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        authenticator = KeyAuthenticator(
            lookup: DeferredUseKeyLookup(keys: store.keys, writer: writer, cache: cache), now: now)
    }

    /// Authenticates `authorization` (`Bearer <key>`), recording the outcome in `audit`.
    /// - Throws: ``GatewayError`` (401 when refused).
    public func authenticate(authorization: String?, audit: RequestAudit) async throws -> Principal {
        try await authenticated(audit) { try await $0.authenticate(authorizationHeader: authorization) }
    }

    /// Authenticates the key a console session was made from, by its hash (the session never
    /// holds the key), recording the outcome in `audit`.
    /// - Throws: ``GatewayError`` (401 when the key no longer works).
    public func authenticate(keyHash: APIKeyHash, audit: RequestAudit) async throws -> Principal {
        try await authenticated(audit) { try await $0.authenticate(keyHash: keyHash) }
    }

    private func authenticated(
        _ audit: RequestAudit, _ check: (KeyAuthenticator) async throws -> Principal
    ) async throws -> Principal {
        do {
            let principal = try await check(authenticator)
            audit.authenticated(principal)
            return principal
        } catch let failure as AuthenticationFailure {
            audit.refused(failure)
            throw GatewayError.denied(failure.reason)
        } catch {
            throw GatewayError.from(error)
        }
    }
}
