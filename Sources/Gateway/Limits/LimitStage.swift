import Foundation
import Store
import Tenancy

/// The limit stage: holds each data-plane request to its team's and its key's limits —
/// requests and tokens per minute (token buckets), requests at once, and the team's monthly
/// token budget (calendar month, UTC).
///
/// It runs in two steps around profile and compose. ``admit(_:audit:)``, right after
/// authorize, takes a request and a running slot (and checks the month's budget);
/// ``Admission/reserve(tokens:)``, once the prompt is composed and `max_tokens` known,
/// charges the tokens. A refusal at either step gives everything back and answers 429 with
/// `Retry-After`, recorded in the audit with its reason: a refused request starts no
/// generation and is charged nothing.
///
/// Limits are read through the ``DirectoryCache``, which every limits change empties, so a
/// new limit applies to the very next request. The counters (``LimitCounters``) live in this
/// process's memory on the embedded store, and in the database every replica shares on
/// PostgreSQL; the monthly figure starts from the usage ledger and follows every request that
/// ends.
public struct LimitStage: Sendable {
    let store: AtriumStore
    let cache: DirectoryCache
    /// In memory for the embedded store; in the database for PostgreSQL, shared by replicas.
    let counters: any LimitCounters
    let now: @Sendable () -> Date

    /// Admits one request of `scope`, or throws the 429 (recorded in `audit`).
    func admit(_ scope: TenantScope, audit: RequestAudit) async throws -> Admission {
        let limits = try await cache.limits(of: scope.principal.keyID) { try await store.limits.requestLimits(in: scope) }
        let date = now()
        let month = UTCMonth.key(of: date)
        let subjects = LimitSubject.subjects(of: scope, limits: limits)
        let lease = Self.newLease()
        if let exceeded = try await counters.admit(
            subjects, scope: scope, lease: lease, month: month, monthlyBudget: limits.team.monthlyTokens, at: date)
        {
            throw refusal(exceeded, audit: audit)
        }
        return Admission(
            counters: counters, subjects: subjects, scope: scope, lease: lease, month: month, weight: limits.team.weight,
            now: now)
    }

    /// Charges the composed request's tokens to the admission, or throws the 429 (recorded
    /// in `audit`; the admission is then given back).
    func reserve(_ request: GenerationRequest, in admission: Admission, audit: RequestAudit) async throws {
        do {
            try await admission.reserve(tokens: TokenEstimate.upperBound(of: request))
        } catch let exceeded as LimitExceeded {
            throw refusal(exceeded, audit: audit)
        }
    }

    /// Holds a data-plane request that generates nothing (models, embeddings, search,
    /// documents) to the same limits for its whole duration: a request and a running slot
    /// while `body` runs, refused up front when the team's or key's tokens per minute are
    /// already spent, and — once it ends — charged the tokens it recorded in `audit` (the
    /// embedding model's tokens), which only then are known. A request can so take a team one
    /// request past its token rate; the next one waits until the debt is refilled.
    public func metered<T: Sendable>(
        _ scope: TenantScope, audit: RequestAudit, _ body: () async throws -> T
    ) async throws -> T {
        let admission = try await admit(scope, audit: audit)
        do {
            try await admission.reserve(tokens: 1)
        } catch let exceeded as LimitExceeded {
            throw refusal(exceeded, audit: audit)
        }
        do {
            let value = try await body()
            await admission.finish(audit.snapshot().usage)
            return value
        } catch {
            await admission.cancel()
            throw error
        }
    }

    /// 128 random bits naming one admission's slots in the counters: `getrandom`, where
    /// Foundation's `UUID()` opens, reads and closes `/dev/urandom` on every request.
    static func newLease() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(high, radix: 36) + "-" + String(low, radix: 36)
    }

    private func refusal(_ exceeded: LimitExceeded, audit: RequestAudit) -> GatewayError {
        audit.decided(.deny(exceeded.reason))
        return exceeded.error
    }
}
